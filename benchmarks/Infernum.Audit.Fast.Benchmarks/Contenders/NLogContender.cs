using System;
using System.IO;
using System.Text;
using NLog;
using NLog.Config;
using NLog.Layouts;
using NLog.Targets;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>NLog with JsonLayout: rendered synchronously on the caller, to a discarding, capturing or file target.</summary>
public sealed class NLogContender : IContender
{
    private readonly LogFactory _factory;
    private readonly Logger _logger;
    private readonly StreamTarget? _stream;

    public NLogContender(Output output)
    {
        var layout = new JsonLayout
        {
            IncludeEventProperties = true,
            Attributes = { new JsonAttribute("timestamp", "${date:universalTime=true:format=o}") },
        };
        Target target;
        if (output.FilePath is { } path)
        {
            target = new FileTarget("file") { FileName = path, Layout = layout, KeepFileOpen = true, AutoFlush = false, BufferSize = 64 * 1024 };
        }
        else
        {
            target = _stream = new StreamTarget(output.OpenStream()) { Layout = layout };
        }

        var configuration = new LoggingConfiguration();
        configuration.AddRuleForAllLevels(target);
        _factory = new LogFactory { Configuration = configuration };
        _logger = _factory.GetLogger("Infernum.Audit");
    }

    public string Name => "NLog";

    public void AuthSuccess(string requestId, string clientIp, string key, string endpoint)
        => _logger.Info("{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success}", "auth_success", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, true);

    public void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope)
        => _logger.Info("{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success} Required scope: {required_scope}", "scope_violation", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, false, requiredScope);

    public void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier)
        => _logger.Info("{event_type} {request_id} {prompt_tokens} {total_tokens} {session_id} {latency_ms} {cached} {tier}", "inference_completed", requestId, promptTokens, totalTokens, sessionId, latencyMs, cached, tier);

    public void Drain()
    {
        _factory.Flush();
        _stream?.Drain();
    }

    public void Dispose() => _factory.Dispose();

    /// <summary>Renders the layout and writes it to a stream (which may discard it).</summary>
    private sealed class StreamTarget : TargetWithLayout
    {
        private readonly StreamWriter _writer;

        public StreamTarget(Stream stream) => _writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024);

        public void Drain() => _writer.Flush();

        protected override void Write(LogEventInfo logEvent)
        {
            _writer.Write(RenderLogEvent(Layout, logEvent));
            _writer.Write('\n');
        }

        protected override void CloseTarget()
        {
            _writer.Flush();
            base.CloseTarget();
        }
    }
}
