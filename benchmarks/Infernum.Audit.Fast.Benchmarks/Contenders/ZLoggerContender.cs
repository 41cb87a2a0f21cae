using System;
using System.Buffers;
using System.IO;
using System.Threading;
using Microsoft.Extensions.Logging;
using ZLogger;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>ZLogger 2 with its System.Text.Json formatter and [ZLoggerMessage] methods.</summary>
/// <remarks>
/// Caller cost uses a processor that formats synchronously on the caller (ZLogger's fastest honest path: the
/// default defers formatting to a background thread, which then reads the arguments later). File throughput uses
/// ZLogger's own file provider, as users configure it.
/// </remarks>
public sealed partial class ZLoggerContender : IContender
{
    private readonly ILoggerFactory _factory;
    private readonly ILogger _logger;
    private readonly SyncProcessor? _processor;
    private readonly LineCountingStream? _file;

    public ZLoggerContender(Output output)
    {
        if (output.FilePath is { } path)
        {
            // ZLogger's own background writer (as AddZLoggerFile sets it up) into an unbuffered file that counts the
            // lines reaching it: ZLogger has no flush, and the throughput benchmark ends an operation when every line is in the file.
            _file = new LineCountingStream(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0));
            _factory = LoggerFactory.Create(b => b.AddZLoggerStream(_file, o => o.UseJsonFormatter()));
        }
        else
        {
            _processor = new SyncProcessor(output.OpenStream());
            _factory = LoggerFactory.Create(b => b.AddZLoggerLogProcessor(options =>
            {
                options.UseJsonFormatter();
                _processor.Formatter = options.CreateFormatter();
                return _processor;
            }));
        }

        _logger = _factory.CreateLogger("Infernum.Audit");
    }

    public string Name => "ZLogger";

    public void AuthSuccess(string requestId, string clientIp, string key, string endpoint)
        => _logger.LogAuth("auth_success", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, true);

    public void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope)
        => _logger.LogScope("scope_violation", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, false, requiredScope);

    public void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier)
        => _logger.LogCompleted("inference_completed", requestId, promptTokens, totalTokens, sessionId, latencyMs, cached, tier);

    public void Drain() => _processor?.Drain();

    public void Drain(long logged)
    {
        Drain();
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while (_file is not null && _file.Lines < logged)
        {
            if (wait.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new InvalidOperationException($"ZLogger: {_file.Lines} of {logged} lines in the file after a minute");
            }

            Thread.Yield();
        }
    }

    public void Dispose() => _factory.Dispose();

    private sealed class SyncProcessor : IAsyncLogProcessor
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(4096);
        private readonly Stream _stream;

        public SyncProcessor(Stream stream) => _stream = stream;

        public IZLoggerFormatter? Formatter { get; set; }

        public void Post(IZLoggerEntry log)
        {
            lock (_buffer)
            {
                log.FormatUtf8(_buffer, Formatter!);
                _buffer.Write("\n"u8);
                _stream.Write(_buffer.WrittenSpan);
                _buffer.ResetWrittenCount();
            }

            log.Return();
        }

        public void Drain()
        {
            lock (_buffer)
            {
                _stream.Flush();
            }
        }

        public System.Threading.Tasks.ValueTask DisposeAsync()
        {
            _stream.Dispose();
            return default;
        }
    }
}

/// <summary>A write-only stream that counts the '\n' bytes written through it.</summary>
internal sealed class LineCountingStream(Stream inner) : Stream
{
    private long _lines;

    public long Lines => Volatile.Read(ref _lines);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Interlocked.Add(ref _lines, buffer.Count((byte)'\n'));
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override System.Threading.Tasks.ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return default;
    }

    public override System.Threading.Tasks.Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return System.Threading.Tasks.Task.CompletedTask;
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

internal static partial class ZLoggerEvents
{
    [ZLoggerMessage(LogLevel.Information, "{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success}")]
    public static partial void LogAuth(this ILogger logger, string event_type, string request_id, string client_ip, string key_prefix, string endpoint, bool success);

    [ZLoggerMessage(LogLevel.Information, "{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success} Required scope: {required_scope}")]
    public static partial void LogScope(this ILogger logger, string event_type, string request_id, string client_ip, string key_prefix, string endpoint, bool success, string required_scope);

    [ZLoggerMessage(LogLevel.Information, "{event_type} {request_id} {prompt_tokens} {total_tokens} {session_id} {latency_ms} {cached} {tier}")]
    public static partial void LogCompleted(this ILogger logger, string event_type, string request_id, int prompt_tokens, long total_tokens, Guid session_id, double latency_ms, bool cached, ModelTier tier);
}
