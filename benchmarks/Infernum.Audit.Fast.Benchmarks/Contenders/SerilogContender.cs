using System;
using System.IO;
using System.Text;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>Serilog with CompactJsonFormatter into a synchronous sink with a 64 KiB-buffered writer.</summary>
/// <remarks>
/// For files too: that is what Serilog.Sinks.File does with <c>buffered: true</c>, but its file sink can be flushed
/// from outside only with an fsync (<c>FlushToDisk</c>), and the throughput benchmark holds every contender to the
/// same policy, no fsync while it measures.
/// </remarks>
public sealed class SerilogContender : IContender
{
    private readonly Logger _logger;
    private readonly FormatterSink _sink;

    public SerilogContender(Output output)
    {
        LoggerConfiguration configuration = new LoggerConfiguration().MinimumLevel.Information();
        _sink = new FormatterSink(new CompactJsonFormatter(), new StreamWriter(output.OpenStream(), new UTF8Encoding(false), 64 * 1024));
        configuration = configuration.WriteTo.Sink(_sink);

        _logger = configuration.CreateLogger();
    }

    public string Name => "Serilog";

    public void AuthSuccess(string requestId, string clientIp, string key, string endpoint)
        => _logger.Information("{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success}", "auth_success", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, true);

    public void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope)
        => _logger.Information("{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success} Required scope: {required_scope}", "scope_violation", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, false, requiredScope);

    public void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier)
        => _logger.Information("{event_type} {request_id} {prompt_tokens} {total_tokens} {session_id} {latency_ms} {cached} {tier}", "inference_completed", requestId, promptTokens, totalTokens, sessionId, latencyMs, cached, tier);

    public void Drain() => _sink.Drain();

    public void Dispose()
    {
        _logger.Dispose();
        _sink.Dispose();
    }

    private sealed class FormatterSink : ILogEventSink, IDisposable
    {
        private readonly ITextFormatter _formatter;
        private readonly StreamWriter _writer;

        public FormatterSink(ITextFormatter formatter, StreamWriter writer)
        {
            _formatter = formatter;
            _writer = writer;
        }

        public void Emit(LogEvent logEvent)
        {
            lock (_writer)
            {
                _formatter.Format(logEvent, _writer);
            }
        }

        public void Drain()
        {
            lock (_writer)
            {
                _writer.Flush();
            }
        }

        public void Dispose() => _writer.Dispose();
    }
}
