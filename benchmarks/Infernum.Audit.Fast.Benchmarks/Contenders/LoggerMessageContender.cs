using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Infernum.Audit.Fast.Benchmarks.Contenders;

/// <summary>The runtime's [LoggerMessage] generator with the console's JSON formatter, invoked synchronously on the caller.</summary>
public sealed partial class LoggerMessageContender : IContender
{
    private readonly ServiceProvider _services;
    private readonly SyncFormatterLogger _logger;

    public LoggerMessageContender(Output output)
    {
        _services = new ServiceCollection()
            .AddLogging(builder => builder.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            }))
            .BuildServiceProvider();
        ConsoleFormatter formatter = _services.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Json);
        _logger = new SyncFormatterLogger(formatter, new StreamWriter(output.OpenStream(), new UTF8Encoding(false), 64 * 1024));
    }

    public string Name => "LoggerMessage+JsonConsoleFormatter";

    public void AuthSuccess(string requestId, string clientIp, string key, string endpoint)
        => LogAuth(_logger, "auth_success", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, true);

    public void ScopeViolation(string requestId, string clientIp, string key, string endpoint, string requiredScope)
        => LogScope(_logger, "scope_violation", requestId, clientIp, key[..Math.Min(8, key.Length)], endpoint, false, requiredScope);

    public void InferenceCompleted(string requestId, int promptTokens, long totalTokens, Guid sessionId, double latencyMs, bool cached, ModelTier tier)
        => LogCompleted(_logger, "inference_completed", requestId, promptTokens, totalTokens, sessionId, latencyMs, cached, tier);

    public void Drain() => _logger.Drain();

    public void Dispose()
    {
        _logger.Dispose();
        _services.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success}")]
    private static partial void LogAuth(ILogger logger, string event_type, string request_id, string client_ip, string key_prefix, string endpoint, bool success);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "{event_type} {request_id} {client_ip} {key_prefix} {endpoint} {success} Required scope: {required_scope}")]
    private static partial void LogScope(ILogger logger, string event_type, string request_id, string client_ip, string key_prefix, string endpoint, bool success, string required_scope);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "{event_type} {request_id} {prompt_tokens} {total_tokens} {session_id} {latency_ms} {cached} {tier}")]
    private static partial void LogCompleted(ILogger logger, string event_type, string request_id, int prompt_tokens, long total_tokens, Guid session_id, double latency_ms, bool cached, ModelTier tier);

    /// <summary>An ILogger that formats each entry with the JSON console formatter right away, on the caller's thread.</summary>
    private sealed class SyncFormatterLogger : ILogger, IDisposable
    {
        private readonly ConsoleFormatter _formatter;
        private readonly StreamWriter _writer;

        public SyncFormatterLogger(ConsoleFormatter formatter, StreamWriter writer)
        {
            _formatter = formatter;
            _writer = writer;
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new LogEntry<TState>(logLevel, "Infernum.Audit", eventId, state, exception, formatter);
            lock (_writer)
            {
                _formatter.Write(in entry, null, _writer);
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
