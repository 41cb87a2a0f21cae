using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Pipeline;

namespace Infernum.Audit.Fast;

/// <summary>
/// Writes audit events as UTF-8 JSON lines to an <see cref="AuditSink"/>, through a bounded in-memory pipe
/// drained by one background writer. Thread-safe; the event methods allocate nothing and never throw
/// because of the sink.
/// </summary>
/// <remarks>
/// Each event method formats its whole line on the caller's thread before it returns. The ten built-in
/// events are the methods of this class; a team's own events are <see cref="AuditEventAttribute"/> methods
/// anywhere that the generator writes against this class. Every event is accounted for: written, or counted
/// as dropped (<see cref="Counters"/>) and recorded in the file by an <c>audit_dropped</c> line.
/// <para>
/// Order in the file: <c>seq</c> strictly increases down the file and is never reused or wrapped (at
/// <see cref="long.MaxValue"/> events are refused as <see cref="AuditDropReason.SequenceExhausted"/>); the events of
/// one thread are in the order of its calls; and an event whose call returned before a <see cref="Flush"/> or
/// <see cref="FlushAsync"/> began comes before every event whose call began after that flush completed, on any
/// thread. Nothing more is promised across threads: each thread stages its lines on its own and the writer takes
/// them a thread at a time, so an event that returned on one thread may follow one another thread logged a little
/// later (within one writer pass, a few milliseconds). Ordering every call across threads would need a shared
/// counter or lock on each of them, the cost this logger is built to avoid; timestamps are the cross-thread clue.
/// </para>
/// </remarks>
public sealed partial class AuditLogger : IDisposable, IAsyncDisposable
{
    private readonly AuditPipeline _pipeline;
    private readonly AuditMetrics _metrics;
    private readonly EventHandler _onProcessExit;
    private readonly TimeSpan _disposeTimeout;
    private AuditOptions _options;
    private int _disposed;

    /// <summary>Creates a logger writing to <paramref name="sink"/> with the default delivery; it owns the sink and disposes it.</summary>
    /// <param name="sink">Where lines go.</param>
    /// <param name="options">The switches; <see langword="null"/> for <see cref="AuditOptions.Default"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sink"/> is <see langword="null"/>.</exception>
    public AuditLogger(AuditSink sink, AuditOptions? options = null)
        : this(sink, options, null)
    {
    }

    /// <summary>Creates a logger writing to <paramref name="sink"/>; it owns the sink and disposes it.</summary>
    /// <param name="sink">Where lines go.</param>
    /// <param name="options">The switches; <see langword="null"/> for <see cref="AuditOptions.Default"/>.</param>
    /// <param name="delivery">Buffering and delivery; <see langword="null"/> for <see cref="AuditDeliveryOptions.Default"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sink"/> is <see langword="null"/>.</exception>
    public AuditLogger(AuditSink sink, AuditOptions? options, AuditDeliveryOptions? delivery)
    {
        ArgumentNullException.ThrowIfNull(sink);
        delivery ??= AuditDeliveryOptions.Default;
        _options = options ?? AuditOptions.Default;
        _disposeTimeout = delivery.DisposeTimeout;
        _pipeline = new AuditPipeline(sink, delivery);
        _metrics = new AuditMetrics(this);

        // A logger the application forgot to dispose still drains at process exit.
        _onProcessExit = (_, _) => Dispose();
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
    }

    /// <summary>The switches in force. Assigning swaps them atomically: a concurrent event sees the old or the new set, never a mix.</summary>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public AuditOptions Options
    {
        get => Volatile.Read(ref _options);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Volatile.Write(ref _options, value);
        }
    }

    /// <summary>A consistent snapshot of the counters (also published as metrics of the meter <c>Infernum.Audit.Fast</c>).</summary>
    public AuditCounters Counters => _pipeline.GetCounters();

    /// <summary>The sink's state as the writer last saw it.</summary>
    public AuditSinkHealth SinkHealth => _pipeline.Health;

    /// <summary>The ten built-in events and their fields, as the generator described them at compile time.</summary>
    public static System.Collections.Generic.IReadOnlyList<AuditEventDescriptor> BuiltInEvents => AuditEventCatalog.Events;

    /// <summary>A JSON Schema (draft-07) that every line of the built-in events (and every drop record) validates against.</summary>
    public static string BuiltInJsonSchema => AuditEventCatalog.JsonSchema;

    /// <summary>
    /// Reserves room for one line whose body is at most <paramref name="maxBodyBytes"/> bytes. For generated code.
    /// </summary>
    /// <returns><see langword="false"/> if the event was not accepted (counted as dropped).</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool TryBeginLine(long maxBodyBytes, out AuditLineWriter writer) => _pipeline.TryBeginLine(maxBodyBytes, out writer);

    /// <summary>Publishes the line begun by <see cref="TryBeginLine"/> if it was committed, and releases its reservation. For generated code.</summary>
    /// <param name="writer">The writer <see cref="TryBeginLine"/> returned; call exactly once, in a <c>finally</c>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndLine(ref AuditLineWriter writer) => _pipeline.EndLine(ref writer);

    /// <summary>Blocks until every event logged before the call is written to the sink and flushed.</summary>
    public void Flush() => _pipeline.FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Completes when every event logged before the call is written to the sink and flushed.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => new(_pipeline.FlushAsync(cancellationToken));

    /// <summary>Stops accepting events, writes everything buffered to the sink, flushes and disposes it.</summary>
    /// <remarks>
    /// Waits at most <see cref="AuditDeliveryOptions.DisposeTimeout"/> for a failing sink; what it could not take
    /// is counted as <see cref="AuditDropReason.Unwritten"/>. Events logged afterwards are counted as dropped.
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        _ = _pipeline.StopAsync(_disposeTimeout).Wait(_disposeTimeout + TimeSpan.FromSeconds(5));
        _metrics.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        Task stopped = _pipeline.StopAsync(_disposeTimeout);
        await Task.WhenAny(stopped, Task.Delay(_disposeTimeout + TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _metrics.Dispose();
    }
}
