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
/// anywhere that the generator writes against this class.
/// </remarks>
public sealed partial class AuditLogger : IDisposable, IAsyncDisposable
{
    /// <summary>How long <see cref="Dispose"/> waits for the writer to put everything into the sink.</summary>
    public static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long an event waits for room when the buffer is full before it is counted as dropped.</summary>
    private static readonly TimeSpan s_blockTimeout = TimeSpan.FromSeconds(1);

    private readonly AuditPipeline _pipeline;
    private readonly EventHandler _onProcessExit;
    private AuditOptions _options;
    private int _disposed;

    /// <summary>Creates a logger writing to <paramref name="sink"/>; it owns the sink and disposes it.</summary>
    /// <param name="sink">Where lines go.</param>
    /// <param name="options">The switches; <see langword="null"/> for <see cref="AuditOptions.Default"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sink"/> is <see langword="null"/>.</exception>
    public AuditLogger(AuditSink sink, AuditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _options = options ?? AuditOptions.Default;
        _pipeline = new AuditPipeline(sink, AuditPipeline.DefaultMaxBufferedBytes, s_blockTimeout);

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

    /// <summary>A snapshot of the logger's counters.</summary>
    public AuditCounters Counters => new(
        _pipeline.Enqueued,
        _pipeline.Written,
        _pipeline.DroppedFull + _pipeline.DroppedOversize + _pipeline.DroppedDisposed,
        _pipeline.WriteErrors,
        _pipeline.BufferedBytes);

    internal AuditPipeline Pipeline => _pipeline;

    /// <summary>
    /// Reserves room for one line whose body is at most <paramref name="maxBodyBytes"/> bytes. For generated code.
    /// </summary>
    /// <returns><see langword="false"/> if the event was not accepted (counted as dropped).</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool TryBeginLine(long maxBodyBytes, out AuditLineWriter writer) => _pipeline.TryBeginLine(maxBodyBytes, out writer);

    /// <summary>Blocks until every event logged before the call is written to the sink and flushed.</summary>
    public void Flush() => _pipeline.FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Completes when every event logged before the call is written to the sink and flushed.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => new(_pipeline.FlushAsync(cancellationToken));

    /// <summary>Stops accepting events, writes everything buffered to the sink, flushes and disposes it.</summary>
    /// <remarks>Waits at most <see cref="DisposeTimeout"/>. Events logged afterwards are counted as dropped.</remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        _ = _pipeline.StopAsync().Wait(DisposeTimeout);
    }

    /// <summary>Stops accepting events, writes everything buffered to the sink, flushes and disposes it.</summary>
    /// <remarks>Waits at most <see cref="DisposeTimeout"/>. Events logged afterwards are counted as dropped.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        Task stopped = _pipeline.StopAsync();
        await Task.WhenAny(stopped, Task.Delay(DisposeTimeout)).ConfigureAwait(false);
    }
}
