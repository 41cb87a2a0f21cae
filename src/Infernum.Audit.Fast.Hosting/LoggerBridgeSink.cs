using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>
/// Forwards each audit line to an <see cref="ILogger"/> (category <c>Infernum.Audit</c>): the fields as structured
/// state, the JSON line as the message, an <see cref="EventId"/> per event type. It runs on the audit writer's
/// thread, never on the thread that logged the event, and checks <see cref="ILogger.IsEnabled"/> before any work.
/// </summary>
/// <remarks>
/// <para>With an inner sink (a file), the inner sink is the record: its lines decide what counts as written. A logger
/// that throws on a line does not hold the record back — the line stays in the inner sink, is not forwarded again,
/// and the failure is counted in <see cref="ForwardFailures"/> and reported to the <c>onForwardFault</c> callback.
/// Only the inner sink's own exceptions leave <see cref="Write"/> as sink faults.</para>
/// <para>Without an inner sink the logger is the record: its exception leaves <see cref="Write"/> (a sink fault:
/// counted, reported, retried) and the sink remembers how far it got, so the retry forwards only what was not
/// delivered yet.</para>
/// </remarks>
internal sealed class LoggerBridgeSink : AuditSink
{
    /// <summary>The category the bridge logs under.</summary>
    public const string Category = "Infernum.Audit";

    private readonly ILogger _logger;
    private readonly AuditSink? _inner;
    private readonly LogLevel _level;
    private readonly Action<Exception>? _onForwardFault;
    private long _forwardFailures;

    // Bytes of the current lines already written to the inner sink / forwarded to the logger by a call that then threw.
    private int _innerWritten;
    private int _forwarded;

    public LoggerBridgeSink(ILogger logger, AuditSink? inner, LogLevel level = LogLevel.Information, Action<Exception>? onForwardFault = null)
    {
        _logger = logger;
        _inner = inner;
        _level = level;
        _onForwardFault = onForwardFault;
    }

    /// <summary>Lines the inner sink wrote but the logger threw on (only with an inner sink); read from any thread.</summary>
    public long ForwardFailures => Interlocked.Read(ref _forwardFailures);

    public override long LastSequenceNumber => _inner?.LastSequenceNumber ?? 0;

    public override void Write(ReadOnlySpan<byte> lines)
    {
        // A call that threw is retried with the same lines first (AuditSink's contract); what it already delivered
        // to either destination is skipped, so neither gets a line twice.
        Debug.Assert(lines.Length >= _innerWritten && lines.Length >= _forwarded, "A retry starts with the lines of the failed call.");
        if (_inner is not null && _innerWritten < lines.Length)
        {
            _inner.Write(lines[_innerWritten..]);
            _innerWritten = lines.Length;
        }

        if (_logger.IsEnabled(_level))
        {
            while (_forwarded < lines.Length)
            {
                ReadOnlySpan<byte> rest = lines[_forwarded..];
                int end = rest.IndexOf((byte)'\n');
                int next = _forwarded + (end < 0 ? rest.Length : end + 1);
                if (_inner is null)
                {
                    Forward(end < 0 ? rest : rest[..end]);
                }
                else
                {
                    try
                    {
                        Forward(end < 0 ? rest : rest[..end]);
                    }
                    catch (Exception fault)
                    {
                        // The inner sink holds the line: the record is complete, only the copy failed.
                        _forwarded = next;
                        Interlocked.Increment(ref _forwardFailures);
                        ReportForwardFault(fault);
                        continue;
                    }
                }

                _forwarded = next;
            }
        }

        _innerWritten = 0;
        _forwarded = 0;
    }

    public override void Flush() => _inner?.Flush();

    /// <summary>The event id of an event type: the built-in ones 1–10 in <see cref="AuditEventType"/> order, others hashed to 1000–65535.</summary>
    public static EventId EventIdFor(string eventType)
    {
        foreach (AuditEventType type in Enum.GetValues<AuditEventType>())
        {
            if (type.ToWireName() == eventType)
            {
                return new EventId((int)type + 1, eventType);
            }
        }

        if (eventType == "audit_dropped")
        {
            return new EventId(999, eventType);
        }

        // FNV-1a: stable across processes and versions, unlike string.GetHashCode.
        uint hash = 2166136261;
        foreach (char c in eventType)
        {
            hash = (hash ^ c) * 16777619;
        }

        return new EventId(1000 + (int)(hash % 64536), eventType);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner?.Dispose();
        }
    }

    private void ReportForwardFault(Exception fault)
    {
        try
        {
            _onForwardFault?.Invoke(fault);
        }
        catch (Exception)
        {
            // A throwing callback must not turn a forwarding failure into a fault of the record.
        }
    }

    private void Forward(ReadOnlySpan<byte> line)
    {
        var fields = new List<KeyValuePair<string, object?>>(12);
        string eventType = string.Empty;
        var reader = new Utf8JsonReader(line);
        reader.Read(); // StartObject
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            object? value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                JsonTokenType.Number when reader.TryGetInt64(out long integer) => integer,
                JsonTokenType.Number => reader.GetDouble(),
                _ => null,
            };
            if (name == "event_type")
            {
                eventType = (string)value!;
            }

            fields.Add(new KeyValuePair<string, object?>(name, value));
        }

        string message = Encoding.UTF8.GetString(line);
        _logger.Log(_level, EventIdFor(eventType), new AuditState(fields, message), null, static (state, _) => state.Message);
    }

    /// <summary>The structured state: every field of the line, then <c>{OriginalFormat}</c>.</summary>
    internal sealed class AuditState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly List<KeyValuePair<string, object?>> _fields;

        public AuditState(List<KeyValuePair<string, object?>> fields, string message)
        {
            _fields = fields;
            Message = message;
        }

        public string Message { get; }

        public int Count => _fields.Count + 1;

        public KeyValuePair<string, object?> this[int index]
            => index == _fields.Count ? new KeyValuePair<string, object?>("{OriginalFormat}", Message) : _fields[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
