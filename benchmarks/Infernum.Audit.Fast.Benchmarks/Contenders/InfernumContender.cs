using System;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>Infernum.Audit.Fast: generated emitters into the pipe; a background writer drains to the output.</summary>
public sealed partial class InfernumContender : IContender
{
    public InfernumContender(Output output, AuditClock clock = AuditClock.System)
    {
        AuditSink sink = output.FilePath is { } path ? AuditSink.ToFile(path) : AuditSink.ToStream(output.OpenStream(), leaveOpen: output.Capture is not null);
        Logger = new AuditLogger(sink, null, new AuditDeliveryOptions { Clock = clock });
    }

    public string Name => "Infernum";

    public AuditLogger Logger { get; }

    public void AuthSuccess(string requestId, string clientIp, string key, string endpoint) => Logger.AuthSuccess(requestId, clientIp, key, endpoint);

    public void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope)
        => Logger.ScopeViolation(requestId, clientIp, key, endpoint, requiredScope);

    public void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier)
        => Completed(Logger, requestId, promptTokens, totalTokens, sessionId, latencyMs, cached, tier);

    public void Drain() => Logger.Flush();

    public void Dispose() => Logger.Dispose();

    [AuditEvent("inference_completed", Endpoint = "/v1/chat/completions")]
    public static partial void Completed(AuditLogger audit, string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier);
}
