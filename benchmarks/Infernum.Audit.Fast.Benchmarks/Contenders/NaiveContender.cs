using System;
using System.Buffers;
using System.Buffers.Text;
using System.IO;
using System.Text;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>
/// The floor: what one writes by hand without a logging library. Under one lock, the line is put together in a
/// buffer from constant UTF-8 segments, the timestamp and the values (transcoded, not escaped: the benchmark's
/// values need none), then one <see cref="Stream.Write(ReadOnlySpan{byte})"/> per line into a 64 KiB-buffered file.
/// </summary>
public sealed class NaiveContender : IContender
{
    private readonly object _sync = new();
    private readonly Stream _stream;
    private readonly byte[] _line = new byte[4096];
    private long _seq;

    public NaiveContender(Output output) => _stream = output.OpenStream();

    public string Name => "Naive";

    public void AuthSuccess(string requestId, string clientIp, string key, string endpoint)
    {
        lock (_sync)
        {
            int n = Start("auth_success"u8, requestId);
            n += Field(",\"client_ip\":\""u8, clientIp, n);
            n += Field("\",\"key_prefix\":\""u8, key.AsSpan(0, Math.Min(8, key.Length)), n);
            n += Field("\",\"endpoint\":\""u8, endpoint, n);
            n += Copy("\",\"success\":true"u8, n);
            End(n);
        }
    }

    public void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope)
    {
        lock (_sync)
        {
            int n = Start("scope_violation"u8, requestId);
            n += Field(",\"client_ip\":\""u8, clientIp, n);
            n += Field("\",\"key_prefix\":\""u8, key.AsSpan(0, Math.Min(8, key.Length)), n);
            n += Field("\",\"endpoint\":\""u8, endpoint, n);
            n += Field("\",\"success\":false,\"details\":\"Required scope: "u8, requiredScope, n);
            n += Copy("\""u8, n);
            End(n);
        }
    }

    public void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier)
    {
        lock (_sync)
        {
            int n = Start("inference_completed"u8, requestId);
            n += Copy(",\"endpoint\":\"/v1/chat/completions\",\"success\":true,\"prompt_tokens\":"u8, n);
            n += Format(promptTokens, n);
            n += Copy(",\"total_tokens\":"u8, n);
            n += Format(totalTokens, n);
            n += Copy(",\"session_id\":\""u8, n);
            Utf8Formatter.TryFormat(sessionId, _line.AsSpan(n), out int written);
            n += written;
            n += Copy("\",\"latency_ms\":"u8, n);
            Utf8Formatter.TryFormat(latencyMs, _line.AsSpan(n), out written);
            n += written;
            n += Copy(cached ? ",\"cached\":true,\"tier\":\""u8 : ",\"cached\":false,\"tier\":\""u8, n);
            n += Field(""u8, tier.ToString(), n);
            n += Copy("\""u8, n);
            End(n);
        }
    }

    public void Drain()
    {
        lock (_sync)
        {
            _stream.Flush();
        }
    }

    public void Dispose() => _stream.Dispose();

    // {"timestamp":"…","event_type":"…","request_id":"…"
    private int Start(ReadOnlySpan<byte> eventType, string requestId)
    {
        int n = Copy("{\"timestamp\":\""u8, 0);
        Utf8Formatter.TryFormat(DateTime.UtcNow, _line.AsSpan(n), out int written, new StandardFormat('O'));
        n += written;
        n += Copy("\",\"event_type\":\""u8, n);
        n += Copy(eventType, n);
        n += Field("\",\"request_id\":\""u8, requestId, n);
        n += Copy("\""u8, n);
        return n;
    }

    // ,"seq":N}\n and the one Write of the line.
    private void End(int n)
    {
        n += Copy(",\"seq\":"u8, n);
        n += Format(++_seq, n);
        n += Copy("}\n"u8, n);
        _stream.Write(_line, 0, n);
    }

    private int Field(ReadOnlySpan<byte> prefix, ReadOnlySpan<char> value, int at)
    {
        int n = Copy(prefix, at);
        return n + Encoding.UTF8.GetBytes(value, _line.AsSpan(at + n));
    }

    private int Copy(ReadOnlySpan<byte> segment, int at)
    {
        segment.CopyTo(_line.AsSpan(at));
        return segment.Length;
    }

    private int Format(long value, int at)
    {
        Utf8Formatter.TryFormat(value, _line.AsSpan(at), out int written);
        return written;
    }
}
