using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>What the Rust module does with serde_json and tracing: build a record, serialize it to a string, write the string.</summary>
public sealed class SeedStyleContender : IContender
{
    private readonly object _sync = new();
    private readonly StreamWriter _writer;

    public SeedStyleContender(Output output) => _writer = new StreamWriter(output.OpenStream(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = false };

    public string Name => "SeedStyle";

    public void AuthSuccess(string requestId, string clientIp, string key, string endpoint)
        => Write(new SeedEvent(DateTime.UtcNow, "auth_success", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, true, null));

    public void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope)
        => Write(new SeedEvent(DateTime.UtcNow, "scope_violation", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, false, "Required scope: " + requiredScope));

    public void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier)
    {
        string json = JsonSerializer.Serialize(
            new SeedUserEvent(DateTime.UtcNow, "inference_completed", requestId, "/v1/chat/completions", true, promptTokens, totalTokens, sessionId, latencyMs, cached, tier),
            SeedJsonContext.Default.SeedUserEvent);
        lock (_sync)
        {
            _writer.Write(json);
            _writer.Write('\n');
        }
    }

    public void Drain()
    {
        lock (_sync)
        {
            _writer.Flush();
        }
    }

    public void Dispose() => _writer.Dispose();

    private void Write(SeedEvent e)
    {
        string json = JsonSerializer.Serialize(e, SeedJsonContext.Default.SeedEvent);
        lock (_sync)
        {
            _writer.Write(json);
            _writer.Write('\n');
        }
    }
}

#pragma warning disable IDE1006, SA1300 // field names are the wire names, as in the seed's serde struct
public sealed record SeedEvent(DateTime timestamp, string event_type, string request_id, string? client_ip, string? key_prefix, string endpoint, bool success, string? details);

public sealed record SeedUserEvent(DateTime timestamp, string event_type, string request_id, string endpoint, bool success, int prompt_tokens, long total_tokens, Guid session_id, double latency_ms, bool cached, ModelTier tier);
#pragma warning restore IDE1006, SA1300

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SeedEvent))]
[JsonSerializable(typeof(SeedUserEvent))]
internal sealed partial class SeedJsonContext : JsonSerializerContext
{
}
