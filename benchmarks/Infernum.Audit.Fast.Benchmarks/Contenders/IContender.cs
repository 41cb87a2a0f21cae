using System;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>The three benchmark events, as each logger writes them. Benchmarks call the concrete types directly.</summary>
public interface IContender : IDisposable
{
    string Name { get; }

    void AuthSuccess(string requestId, string clientIp, string key, string endpoint);

    void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope);

    void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier);

    /// <summary>Blocks until everything logged is at the output.</summary>
    void Drain();

    /// <summary>Blocks until the <paramref name="logged"/> events logged since the start are at the output (for a contender whose writer runs on its own thread).</summary>
    void Drain(long logged) => Drain();
}

/// <summary>The user event's enum field.</summary>
public enum ModelTier
{
    Free,
    ProTier,
    EnterpriseGold,
}

/// <summary>Where a contender writes: nowhere (caller cost), a capture (verification) or a file (throughput).</summary>
public sealed record Output(string? FilePath, System.IO.Stream? Capture)
{
    public static Output Discard { get; } = new(null, null);

    public static Output ToFile(string path) => new(path, null);

    public static Output ToCapture(System.IO.Stream stream) => new(null, stream);

    /// <summary>A stream for contenders that write bytes themselves.</summary>
    public System.IO.Stream OpenStream() => Capture ?? (FilePath is null
        ? System.IO.Stream.Null
        : new System.IO.FileStream(FilePath, System.IO.FileMode.Create, System.IO.FileAccess.Write, System.IO.FileShare.Read, 64 * 1024));
}
