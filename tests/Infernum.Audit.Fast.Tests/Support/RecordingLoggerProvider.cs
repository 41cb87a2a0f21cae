using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>An <see cref="ILoggerProvider"/> that keeps every message of every category, formatted, with its exception.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly List<Record> _records = new();

    public IReadOnlyList<Record> Records
    {
        get
        {
            lock (_records)
            {
                return _records.ToList();
            }
        }
    }

    /// <summary>Everything recorded as one text: messages, exception messages and structured values.</summary>
    public string AllText => string.Join("\n", Records.Select(r => r.Category + " " + r.Level + " " + r.EventId + " " + r.Message + " " + r.Exception + " " + string.Join(",", r.State.Select(p => p.Key + "=" + p.Value))));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    internal sealed record Record(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyList<KeyValuePair<string, object?>> State);

    private sealed class Logger(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.ToList() : new List<KeyValuePair<string, object?>>();
            lock (owner._records)
            {
                owner._records.Add(new Record(category, logLevel, eventId, formatter(state, exception), exception, fields));
            }
        }
    }
}
