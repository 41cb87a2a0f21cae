using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Json;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// Moves complete audit lines from any number of producer threads, through a <see cref="Pipe"/>, to one sink.
/// </summary>
/// <remarks>
/// <para>
/// Three files by the thread that runs the code: this one (state, construction, counters, flush and stop requests,
/// called from any thread), <c>AuditPipeline.Producer.cs</c> (the threads that log), <c>AuditPipeline.Writer.cs</c>
/// (the one writer thread). The line's framing lives in <see cref="LineFormat"/>.
/// </para>
/// <para>
/// Each producer thread has its own <see cref="ProducerStage"/>: it formats its whole line there and publishes it
/// with a plain release store, taking no lock and no interlocked instruction. Memory is bounded by credit: a stage
/// takes credit a chunk at a time (one interlocked operation per chunk), and the writer returns it as lines reach the
/// sink. A producer short of credit takes back, itself, the unused credit of every stage whose thread is outside a
/// line (idle or exited), so that only bytes waiting for the sink (and lines being written at that moment) count
/// against the bound. The writer takes back the block of a stage idle for <see cref="IdleSweepMilliseconds"/>, and
/// retires the stages of exited threads at least every <see cref="RetireBatch"/> new stages (a "sweep"), so that
/// memory follows the lines waiting, not the threads that ever logged.
/// </para>
/// <para>
/// The writer moves published lines from every stage into the pipe, appending each line's <c>seq</c> as it goes, and
/// writes the pipe's segments (whole lines only) to the sink. That copy earns its place: <c>seq</c> is known only
/// there (the writer alone orders lines across threads, without a shared counter on the callers' path); it turns
/// many threads' small, interleaved stage blocks into 64 KiB runs of whole lines, one sink call each; it frees a
/// stage block as soon as it is moved, whatever the sink does, so a slow or failing sink holds pipe segments, not
/// threads' blocks; and a failed segment stays in the pipe for a retry. Writing stage blocks straight to the sink
/// would need the <c>seq</c> reserved on the caller's thread (an interlocked increment per event, the cost this
/// design removes) and one sink call per thread per pass.
/// </para>
/// <para>Who writes what (any reader uses <see cref="Volatile"/> or the named lock):</para>
/// <list type="table">
/// <listheader><term>field</term><description>written by; guarded by</description></listheader>
/// <item><term><c>t_stage</c> list, <see cref="ProducerStage"/>'s <c>State</c>, <c>CreditUsed</c>, <c>CreditLimit</c>,
/// <c>Accepted</c>, <c>Dropped</c>, <c>DropsTotal</c>, its write block</term><description>the owner thread, no lock;
/// the writer only while the owner waits on <c>Revoke</c> (<c>Taking</c>) or has exited; <c>State</c> also by the
/// first-chance handler on the owner's thread</description></item>
/// <item><term><see cref="ProducerStage"/>'s <c>Revoke</c></term><description>writer (asks, takes) and owner (keeps,
/// re-attaches), by compare-and-swap; the writer's process-wide barrier orders it against <c>State</c></description></item>
/// <item><term><c>_active</c>, <c>_retiredAccepted</c>, <c>_retiredDropped</c>, a stage's counts when folded</term>
/// <description>writer; <c>_stagesLock</c> (the writer iterates <c>_active</c> without it; <c>GetCounters</c>,
/// <c>Abandon</c> and a producer taking back credit take it)</description></item>
/// <item><term>asking a stage back (<c>Revoke</c> to <c>Requested</c>) and taking it (to <c>Taking</c>)</term>
/// <description>writer or a producer short of credit; always under <c>_stagesLock</c>, so that between a taker's
/// barrier and its compare-and-swap no one else asks again (no ABA)</description></item>
/// <item><term><c>_pendingStages</c></term><description>owners push, writer takes all; interlocked</description></item>
/// <item><term><c>_detachedDropped</c>, <c>_detachedRecordableDrops</c></term><description>any producer on a detached
/// stage; interlocked (<c>_detachedDropsRecorded</c>: writer only)</description></item>
/// <item><term><c>_ledger.Credit</c></term><description>producers take (and take back from idle stages), writer
/// returns; interlocked</description></item>
/// <item><term><c>_stagesAttached</c></term><description>producers attaching a stage; interlocked</description></item>
/// <item><term><c>_seq</c>, <c>_timestamp</c>, <c>_cursor</c>, <c>_dropRecords</c>, <c>_dropRecordBytes</c>, <c>_exhaustionUnreported</c>,
/// <c>_sweepCandidates</c>, <c>_nextIdleSweep</c>, a stage's <see cref="StageReader"/> (its <c>Block</c> also by the
/// owner, once, from the empty block to its first)</term><description>writer only</description></item>
/// <item><term><c>_progress</c> (written bytes, errors, unnumbered lines), <c>_health</c>, <c>_sinkCallStart</c>,
/// <c>_ledger.HighWaterBytes</c>, <c>_attachedAtSweep</c>, <c>_sweepsDone</c></term><description>writer; read with
/// <see cref="Volatile"/> (<c>_progress.WrittenEvents</c> under <c>_flushLock</c>, against an abandonment)</description></item>
/// <item><term><c>_flushWaiters</c>, <c>_flushRequested</c>, <c>_writerDone</c>, <c>_writerAbandoned</c>, <c>_unwritten</c></term>
/// <description>any thread; <c>_flushLock</c></description></item>
/// <item><term><c>_wakeRequested</c> (and the writer's sleep)</term><description>any thread; <c>_wakeLock</c>;
/// <c>_writerWaiting</c> interlocked</description></item>
/// <item><term>producers waiting for credit or for stages to be retired</term><description>sleep on <c>_roomLock</c>, which the writer
/// pulses; <c>_producersWaiting</c>, <c>_sweepRequested</c> interlocked</description></item>
/// <item><term><c>_refusal</c>, <c>_disposed</c>, <c>_stopping</c>, <c>_stopDeadline</c></term><description>set once
/// (the first disposer; the writer for an exhausted <c>seq</c>); volatile or interlocked</description></item>
/// </list>
/// </remarks>
internal sealed partial class AuditPipeline
{
    /// <summary>Size of each pooled pipe segment.</summary>
    internal const int BlockSize = 64 * 1024;

    /// <summary>
    /// Size of each pooled stage block once a stage has filled its first, small one
    /// (<see cref="StageBlockPool.FirstBlockSize"/>): large enough that a thread moves to a new one only every ~70
    /// lines.
    /// </summary>
    internal const int StageBlockSize = 16 * 1024;

    /// <summary>Stage blocks allocated at construction (or the whole bound, if smaller).</summary>
    internal const long WarmBytes = 4L * 1024 * 1024;

    /// <summary>Largest line accepted; a bigger event is dropped rather than reserving unbounded memory.</summary>
    internal const int MaxLineBytes = 16 * 1024 * 1024;

    /// <summary>The writer wakes at least this often: a line waits at most about this long before it heads for the sink.</summary>
    private const int IdlePollMilliseconds = 2;

    /// <summary>
    /// A pass that moved fewer bytes than this means producers are slow: the writer then sleeps until its next poll
    /// (or until the buffered bytes reach a quarter of the bound, when a producer taking credit wakes it).
    /// </summary>
    private const long BusyPassBytes = 256 * 1024;

    private const int MaxBackoffMilliseconds = 1000;

    /// <summary>Segments written per sink batch before their blocks go back to the pool (512 KiB).</summary>
    private const int MaxSegmentsPerBatch = 8;

    /// <summary>
    /// A stage whose thread logged nothing for this long gives its block and unused credit back to the writer; the
    /// thread takes a block again with its next event.
    /// </summary>
    private const int IdleSweepMilliseconds = 100;

    /// <summary>
    /// After this many stages attached since the last sweep, the writer sweeps at once for stages of exited threads:
    /// threads created and ended at any rate leave at most about this many stages (each with its small first block)
    /// waiting to be retired.
    /// </summary>
    internal const int RetireBatch = 64;

    /// <summary>
    /// A producer attaching a stage when this many attached since the last sweep waits (up to
    /// <see cref="RetireWaitMilliseconds"/>) for the writer's sweep: a writer kept off the CPU cannot let unretired
    /// stages pile up.
    /// </summary>
    internal const int MaxAttachesBetweenSweeps = 16 * RetireBatch;

    /// <summary>
    /// The longest a producer attaching a stage waits for a sweep (<see cref="MaxAttachesBetweenSweeps"/>) from a
    /// writer that is not stuck in the sink; one stuck there (<see cref="StuckSinkMilliseconds"/>) is waited for up to
    /// <see cref="AuditDeliveryOptions.BlockTimeout"/> under <see cref="AuditFullMode.Block"/>, not at all otherwise.
    /// </summary>
    private const int RetireWaitMilliseconds = 50;

    /// <summary>A writer inside the sink's call for longer than this is stuck there: it cannot sweep until the sink returns.</summary>
    private const int StuckSinkMilliseconds = 100;

    /// <summary>
    /// A producer short of credit after taking back what idle stages held waits at most this long for stages inside
    /// a line, which hold enough unused credit for its event, to end their lines.
    /// </summary>
    private const int InLineCreditWaitMilliseconds = 2;

    /// <summary>The number of <see cref="AuditDropReason"/> values: the length of each per-reason count array.</summary>
    internal const int DropReasons = (int)AuditDropReason.SequenceExhausted + 1;


    // The calling thread's stages, one per pipeline it logs to, the one it used last first (linked by NextOnThread).
    // A stage holds a token of its pipeline, not the pipeline: a thread never keeps a disposed logger reachable.
    [ThreadStatic]
    private static ProducerStage? t_stage;

    private static int s_watchingExceptions;

    // What this pipeline's stages hold instead of a reference to it (a weak one, so a thread can prune stages of
    // pipelines that are gone).
    private readonly WeakReference<AuditPipeline> _token;

    // Guards the changes to _active and the retired counters, against GetCounters. _active is changed by the writer
    // only (it iterates it without the lock); stages join it through the lock-free stack _pendingStages.
    private readonly object _stagesLock = new();
    private readonly List<ProducerStage> _active = new();
    private ProducerStage? _pendingStages;
    private long _retiredAccepted;
    private readonly long[] _retiredDropped = new long[DropReasons];

    // Events refused on a detached stage (the logger disposed or out of seq; or a writer stuck in the sink with too
    // many stages unretired): counted here, interlocked, rare. Those of them that take a seq (the latter), and how many
    // of those the writer has put in drop records.
    private readonly long[] _detachedDropped = new long[DropReasons];
    private long _detachedRecordableDrops;
    private long _detachedDropsRecorded;

    // (writer) Stages asked to give back their block and credit, reused for every sweep; the next idle sweep.
    private readonly List<ProducerStage> _sweepCandidates = new();
    private long _nextIdleSweep;

    // Stages attached so far (producers, interlocked), and that count at the writer's last sweep: their difference
    // is the number of stages that may wait to be retired. 1 when a producer waits for a sweep; sweeps done.
    private long _stagesAttached;
    private long _attachedAtSweep;
    private int _sweepRequested;
    private long _sweepsDone;

    // (writer) The tick count when the writer entered the sink's Write or Flush; 0 while it is outside.
    private long _sinkCallStart;

    // Producers waiting for credit sleep on this, and the writer pulses it as it returns credit.
    private readonly object _roomLock = new();

    // Guards the writer's sleep: _wakeRequested.
    private readonly object _wakeLock = new();

    // Guards _flushWaiters, _flushRequested, _writerDone, _writerAbandoned, and the writer's count of written events
    // against an abandonment.
    private readonly object _flushLock = new();

    private readonly Pipe _pipe;
    private readonly BlockPool _pool;
    private readonly StageBlockPool _stageBlocks;
    private readonly long _largestCharge;
    private readonly AuditSink _sink;
    private readonly Thread _writerThread;
    private readonly long _maxBufferedBytes;
    private readonly long _creditChunk;
    private readonly AuditFullMode _fullMode;
    private readonly TimeSpan _blockTimeout;
    private readonly bool _writeSeq;
    private readonly bool _coarseClock;
    private readonly Action<AuditSinkFault>? _onSinkFault;
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(long Epoch, TaskCompletionSource Done)> _flushWaiters = new();

    // Credit in use and its high-water mark. This object's own fields change rarely once it runs, so the producers'
    // reads of it (_refusal on every event) stay in their caches; the fields the writer changes for every line or
    // pass (_cursor, _ledger, _progress) live in objects padded onto cache lines of their own.
    private readonly CreditLedger _ledger = new();

    // Set once; from then on no line is published. _producersWaiting: producers waiting for credit.
    private volatile bool _disposed;

    // Read on every event: 0 while events are accepted, else 1 + the reason every event is now refused with (Disposed
    // once _disposed is set; SequenceExhausted once the writer has taken the last seq). One field, one load.
    private int _refusal;
    private int _producersWaiting;

    // Writer thread only: the next seq, the drop records' timestamps, where lines are moved into the pipe, and the
    // drop records in the pipe not yet written (their end offset and length).
    private readonly SequenceCounter _seq;
    private readonly TimestampFormatter _timestamp = new();
    private readonly PipeCursor _cursor = new();
    private readonly Queue<(long End, int Length)> _dropRecords = new(64);
    private long _dropRecordBytes;

    // (writer) The last seq was taken inside a sweep, under _stagesLock: the owner's OnSinkFault is called after it.
    private bool _exhaustionUnreported;

    // Written only by the writer thread, on cache lines of their own: bytes and event lines the sink accepted, errors.
    private readonly WriterProgress _progress = new();
    private volatile AuditSinkHealth _health;

    // Set by the writer as it exits: lines accepted that it could not write.
    private long _unwritten;

    // (_flushLock) Flush requests so far; the writer has exited.
    private long _flushRequested;
    private bool _writerDone;

    // (_flushLock) The owner's stop deadline passed while the writer was inside the sink: what it held was counted
    // unwritten; the writer, if it ever returns, counts what that Write took as written (no longer unwritten) and exits.
    private bool _writerAbandoned;

    // Set after _disposed: the writer drains what is published and exits, giving up on a failing sink at the deadline.
    private volatile bool _stopping;
    private long _stopDeadline;

    // 1 while the writer sleeps; producers wake it only then. (_wakeLock) a wake-up arrived since it last slept.
    private int _writerWaiting;
    private bool _wakeRequested;

    public AuditPipeline(AuditSink sink, AuditDeliveryOptions options)
    {
        _sink = sink;
        _maxBufferedBytes = options.MaxBufferedBytes;
        _fullMode = options.FullMode;
        _blockTimeout = options.BlockTimeout;
        _writeSeq = options.WriteSequenceNumbers;
        _coarseClock = options.Clock == AuditClock.Coarse;
        _onSinkFault = options.OnSinkFault;
        long last = sink.LastSequenceNumber;
        if (last < 0)
        {
            throw new ArgumentException($"The sink's LastSequenceNumber is {last}; it must be 0 (none) or the last seq it holds.", nameof(sink));
        }

        _seq = SequenceCounter.After(last);
        _refusal = _seq.Exhausted ? 1 + (int)AuditDropReason.SequenceExhausted : 0;

        // Credit moves a chunk at a time: small enough that idle threads holding unused chunks cannot starve the rest
        // (it takes 256 of them), big enough that taking one is rare (every ~70 lines at the default bound).
        _creditChunk = Math.Clamp(_maxBufferedBytes / 256, 1024, 16 * 1024);

        // Blocks for a full buffer, plus those in transit; the stage blocks for the first WarmBytes exist up front,
        // so a producer does not allocate when the sink falls behind.
        // A line that cannot fit under the bound even with nothing else waiting is refused at once as oversize.
        _largestCharge = Math.Min(MaxLineBytes, _maxBufferedBytes) + LineFormat.MaxLineEndBytes;
        int boundBlocks = (int)(_maxBufferedBytes / BlockSize);
        _pool = new BlockPool(BlockSize, boundBlocks + 8);
        int stageBlocks = (int)(_maxBufferedBytes / StageBlockSize);
        _stageBlocks = new StageBlockPool(StageBlockSize, stageBlocks + 8, (int)(Math.Min(_maxBufferedBytes, WarmBytes) / StageBlockSize) + 8, 4 * RetireBatch);
        _token = new WeakReference<AuditPipeline>(this);
        if (Interlocked.Exchange(ref s_watchingExceptions, 1) == 0)
        {
            AppDomain.CurrentDomain.FirstChanceException += OnFirstChanceException;
        }
        _pipe = new Pipe(new PipeOptions(
            pool: _pool,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, // bounded by credit, not by the pipe
            resumeWriterThreshold: 0,
            minimumSegmentSize: BlockSize,
            useSynchronizationContext: false));

        _writerThread = new Thread(WriterLoop)
        {
            IsBackground = true,
            Name = "Infernum.Audit writer",
        };
        _writerThread.Start();
    }

    public AuditSinkHealth Health => _health;

    /// <summary>
    /// A snapshot in which offered = written + dropped + in flight holds exactly: the writer's count is read first,
    /// and every stage counts a line as accepted before the writer can see it.
    /// </summary>
    public AuditCounters GetCounters()
    {
        long written = Volatile.Read(ref _progress.WrittenEvents);
        long accepted;
        long unusedCredit = 0;
        Span<long> dropped = stackalloc long[DropReasons];
        lock (_stagesLock)
        {
            accepted = _retiredAccepted;
            _retiredDropped.CopyTo(dropped);
            for (int i = 0; i < dropped.Length; i++)
            {
                dropped[i] += Interlocked.Read(ref _detachedDropped[i]);
            }

            foreach (ProducerStage stage in _active)
            {
                AddCounts(stage, ref accepted, dropped, ref unusedCredit);
            }

            for (ProducerStage? stage = Volatile.Read(ref _pendingStages); stage is not null; stage = stage.NextPending)
            {
                AddCounts(stage, ref accepted, dropped, ref unusedCredit);
            }
        }

        long unwritten = Volatile.Read(ref _unwritten);
        long unnumbered = Volatile.Read(ref _progress.UnnumberedLines);
        long offered = accepted;
        foreach (long count in dropped)
        {
            offered += count;
        }

        // Credit granted and not yet used is not waiting for anything: the gauge is the bytes of lines accepted and
        // not yet written (each line not yet moved to the pipe counted with room for its longest seq).
        // Once the writer is done (drained, or given up on at the deadline), every line is written or counted
        // unwritten: none waits, whatever credit a stuck sink's batch still holds.
        long buffered = Volatile.Read(ref _writerDone) ? 0 : Math.Max(0, Volatile.Read(ref _ledger.Credit) - unusedCredit);
        return new AuditCounters
        {
            Offered = offered,
            Written = written,
            InFlight = accepted - written - unwritten - unnumbered,
            DroppedBufferFull = dropped[(int)AuditDropReason.BufferFull],
            DroppedBlockTimeout = dropped[(int)AuditDropReason.BlockTimeout],
            DroppedRejected = dropped[(int)AuditDropReason.Rejected],
            DroppedOversize = dropped[(int)AuditDropReason.Oversize],
            DroppedDisposed = dropped[(int)AuditDropReason.Disposed],
            DroppedFormatError = dropped[(int)AuditDropReason.FormatError],
            DroppedUnwritten = unwritten,
            DroppedSequenceExhausted = dropped[(int)AuditDropReason.SequenceExhausted] + unnumbered,
            WriteErrors = Volatile.Read(ref _progress.WriteErrors),
            BufferedBytes = buffered,
            BufferedBytesHighWater = Math.Max(Volatile.Read(ref _ledger.HighWaterBytes), buffered),
        };
    }

    private static void AddCounts(ProducerStage stage, ref long accepted, Span<long> dropped, ref long unusedCredit)
    {
        accepted += Volatile.Read(ref stage.Accepted);
        for (int i = 0; i < dropped.Length; i++)
        {
            dropped[i] += Volatile.Read(ref stage.Dropped[i]);
        }

        unusedCredit += Math.Max(0, Volatile.Read(ref stage.CreditLimit) - Volatile.Read(ref stage.CreditUsed));
    }

    private void PulseRoom()
    {
        lock (_roomLock)
        {
            Monitor.PulseAll(_roomLock);
        }
    }

    /// <summary>Completes when every line published before the call has been written to the sink and flushed.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_flushLock)
        {
            if (_writerDone)
            {
                return Task.CompletedTask;
            }

            // Completed after a writer pass that began after this point has written everything it moved.
            _flushWaiters.Add((++_flushRequested, done));
        }

        WakeWriter();
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops accepting lines; the writer drains everything to the sink (giving up on a failing sink after
    /// <paramref name="timeout"/>), then flushes and disposes it.</summary>
    /// <returns>The writer's exit.</returns>
    public Task StopAsync(TimeSpan timeout)
    {
        // The first call sets the deadline, before anything else: every caller then waits for the same one.
        if (Interlocked.CompareExchange(ref _stopDeadline, Environment.TickCount64 + (long)timeout.TotalMilliseconds, 0) == 0)
        {
            _disposed = true;

            // The writer then asks every stage back (StopProducers): a producer sees the request on its next event,
            // finds this set, and refuses.
            Volatile.Write(ref _refusal, 1 + (int)AuditDropReason.Disposed);
        }

        PulseRoom();
        _stopping = true;
        WakeWriter();
        return _writerExited.Task;
    }

    /// <summary>Whether the caller is the writer thread (a sink or its fault callback, which cannot wait for the writer).</summary>
    public bool IsWriterThread => Thread.CurrentThread == _writerThread;

    /// <summary>
    /// When the stop deadline has passed and the writer is still inside the sink: stops producers, counts every line
    /// not yet written as unwritten, marks the sink <see cref="AuditSinkHealth.Unresponsive"/> and completes every
    /// flush waiter. The writer, if the sink ever returns, counts the lines of that one call as written instead, marks
    /// the sink <see cref="AuditSinkHealth.Healthy"/> again and exits.
    /// </summary>
    public void Abandon()
    {
        lock (_flushLock)
        {
            if (_writerDone)
            {
                return;
            }
        }

        // The writer may never reach StopProducers: ask every stage here (under the lock the writer changes its list under).
        lock (_stagesLock)
        {
            foreach (ProducerStage stage in _active)
            {
                Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
            }

            for (ProducerStage? stage = Volatile.Read(ref _pendingStages); stage is not null; stage = stage.NextPending)
            {
                Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
            }
        }

        Interlocked.MemoryBarrierProcessWide();
        Thread.Sleep(1); // a producer inside a line when asked finishes it within microseconds
        lock (_flushLock)
        {
            if (_writerDone)
            {
                return;
            }

            _writerAbandoned = true;
            Volatile.Write(ref _unwritten, GetCounters().InFlight);
        }

        _health = AuditSinkHealth.Unresponsive;
        PulseRoom();
        CompleteFlushWaiters(long.MaxValue, all: true);
        _writerExited.TrySetResult();
    }

    /// <summary>The tick count (<see cref="Environment.TickCount64"/>) at which the stop gives up on the sink.</summary>
    public long StopDeadline => Interlocked.Read(ref _stopDeadline);

    private void WakeWriter()
    {
        lock (_wakeLock)
        {
            _wakeRequested = true;
            Monitor.Pulse(_wakeLock);
        }
    }
}
