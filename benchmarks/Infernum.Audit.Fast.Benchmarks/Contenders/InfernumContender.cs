using System;
using Infernum.Audit.Fast.Evidence;
using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>Infernum.Audit.Fast: generated emitters into the pipe; a background writer drains to the output.</summary>
public sealed partial class InfernumContender : IContender
{
    private readonly NoteSigningKey? _key;

    public InfernumContender(Output output, AuditClock clock = AuditClock.System, bool evidence = false)
    {
        AuditSink sink;
        if (evidence)
        {
            // Tamper evidence: every line hashed into the file's Merkle tree (on the sink's hashing thread) and a signed
            // checkpoint every 4,096 lines or second (on the writer thread); docs/evidence.md.
            string path = output.FilePath ?? throw new ArgumentException("Evidence needs a file.", nameof(output));
            _key = NoteSigningKey.Generate("bench.example/audit");
            sink = AuditEvidence.ToFile(path, null, new AuditEvidenceOptions { SigningKey = _key });
        }
        else
        {
            sink = output.FilePath is { } path ? AuditSink.ToFile(path) : AuditSink.ToStream(output.OpenStream(), leaveOpen: output.Capture is not null);
        }

        Logger = new AuditLogger(sink, null, new AuditDeliveryOptions { Clock = clock });
        Name = evidence ? "InfernumEvidence" : "Infernum";
    }

    public string Name { get; }

    public AuditLogger Logger { get; }

    public void AuthSuccess(string requestId, string clientIp, string key, string endpoint) => Logger.AuthSuccess(requestId, clientIp, key, endpoint);

    public void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope)
        => Logger.ScopeViolation(requestId, clientIp, key, endpoint, requiredScope);

    public void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier)
        => Completed(Logger, requestId, promptTokens, totalTokens, sessionId, latencyMs, cached, tier);

    public void Drain() => Logger.Flush();

    public void Dispose()
    {
        Logger.Dispose();
        _key?.Dispose();
    }

    [AuditEvent("inference_completed", Endpoint = "/v1/chat/completions")]
    public static partial void Completed(AuditLogger audit, string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier);
}
