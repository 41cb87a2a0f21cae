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
/// one thread are in the order of its calls; and an event whose call returned before a <see cref="Flush()"/> or
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
    private readonly UnhandledExceptionEventHandler _onUnhandledException;
    private readonly TimeSpan _disposeTimeout;
    private AuditOptions _options;
    // 0: open; 1: stopping (the first Dispose call has begun); 2: stopped and cleaned up.
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

        // A logger the application forgot to dispose still drains at process exit, before a termination signal ends
        // the process, and before an unhandled exception on any thread ends it. Each stays registered until the drain
        // has ended (EndStop), not merely begun: process exit, a signal or a crash during the application's own
        // Dispose waits for that drain instead of cutting it.
        _onProcessExit = (_, _) => Dispose();
        _onUnhandledException = (_, _) => Dispose();
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
        AppDomain.CurrentDomain.UnhandledException += _onUnhandledException;
        TerminationSignals.Add(this, delivery.DrainOnTerminationSignals ? delivery.SignalsHandledByHost : null);
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
    /// <remarks>
    /// The writer stores it before it counts what the same sink call did: once <see cref="Counters"/> shows a write
    /// error (<see cref="AuditCounters.WriteErrors"/>), this is <see cref="AuditSinkHealth.Retrying"/> until a later
    /// call succeeds; once it shows the lines of a call that succeeded as written, this is
    /// <see cref="AuditSinkHealth.Healthy"/> until a later call fails or the logger is disposed.
    /// </remarks>
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
    /// <returns>
    /// <see langword="true"/> if the line was published (the event is accepted); <see langword="false"/> if it was
    /// counted as dropped instead (not committed: a value that did not fit or failed to format). A <c>bool</c> event returns this.
    /// </returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool EndLine(ref AuditLineWriter writer) => _pipeline.EndLine(ref writer);

    /// <summary>
    /// Blocks until every event logged before the call is written to the sink and flushed, or
    /// <see cref="AuditDeliveryOptions.DisposeTimeout"/> has passed (a sink that does not take the lines).
    /// </summary>
    public void Flush() => Flush(_disposeTimeout);

    /// <summary>Blocks until every event logged before the call is written to the sink and flushed, or <paramref name="timeout"/> has passed.</summary>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> to wait for as long as it takes.</param>
    /// <returns><see langword="true"/> if everything was flushed; <see langword="false"/> if the time ran out first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public bool Flush(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout is negative.");
        }

        Task flushed = _pipeline.FlushAsync(CancellationToken.None);
        if (_pipeline.IsWriterThread)
        {
            return flushed.IsCompleted; // the writer cannot wait for itself (a sink or OnSinkFault calling back)
        }

        return flushed.Wait(timeout);
    }

    /// <summary>Completes when every event logged before the call is written to the sink and flushed.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => new(_pipeline.FlushAsync(cancellationToken));

    /// <summary>Stops accepting events, writes everything buffered to the sink, flushes and disposes it.</summary>
    /// <remarks>
    /// <para>
    /// Returns within <see cref="AuditDeliveryOptions.DisposeTimeout"/> of the first call, whatever the sink does:
    /// what the sink has not taken by then is counted as <see cref="AuditDropReason.Unwritten"/>; if its
    /// <c>Write</c> has not even returned, <see cref="SinkHealth"/> becomes <see cref="AuditSinkHealth.Unresponsive"/>
    /// and pending flushes complete. Events logged afterwards are counted as dropped.
    /// </para>
    /// <para>
    /// Every call, from any thread, concurrent or not (and process exit, and a termination signal), waits for the
    /// one drain the first call began; a call from the writer thread itself (from <see cref="AuditDeliveryOptions.OnSinkFault"/>
    /// or a sink), or from inside an event (a value's formatting code), only begins it, since the drain waits for that
    /// callback or that line to return; the line is then written.
    /// </para>
    /// </remarks>
    public void Dispose()
    {
        Task stopped = BeginStop();
        if (CannotWait)
        {
            return; // the registrations end when the writer exits (BeginStop)
        }

        if (!stopped.Wait(RemainingUntil(_pipeline.StopDeadline)))
        {
            _pipeline.Abandon();
        }

        EndStop();
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        Task stopped = BeginStop();
        if (CannotWait)
        {
            return; // the registrations end when the writer exits (BeginStop)
        }

        if (await Task.WhenAny(stopped, Task.Delay(RemainingUntil(_pipeline.StopDeadline))).ConfigureAwait(false) != stopped)
        {
            _pipeline.Abandon();
        }

        EndStop();
    }

    // The writer thread (a sink or OnSinkFault calling Dispose) and a thread inside one of this logger's lines (a
    // value's TryFormat calling Dispose) only begin the drain: it waits for them to return.
    private bool CannotWait => _pipeline.IsWriterThread || _pipeline.IsInLineOnThisThread;

    private Task BeginStop()
    {
        Task stopped = _pipeline.StopAsync(_disposeTimeout);
        if (Interlocked.CompareExchange(ref _disposed, 1, 0) == 0 && CannotWait)
        {
            // Nobody waits on this thread: the registrations end when the writer has drained and exited.
            stopped.ContinueWith(static (_, state) => ((AuditLogger)state!).EndStop(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return stopped;
    }

    // After the drain has ended (or been abandoned at the deadline): only now do process exit, signals and unhandled
    // exceptions stop waiting for this logger.
    private void EndStop()
    {
        if (Interlocked.Exchange(ref _disposed, 2) != 2)
        {
            AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
            AppDomain.CurrentDomain.UnhandledException -= _onUnhandledException;
            TerminationSignals.Remove(this);
            _metrics.Dispose();
        }
    }

    private static TimeSpan RemainingUntil(long deadline) => TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
}
