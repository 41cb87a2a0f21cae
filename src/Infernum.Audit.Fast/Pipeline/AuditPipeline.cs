using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Json;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// Moves complete audit lines from any number of producer threads, through a <see cref="Pipe"/>, to one sink.
/// </summary>
/// <remarks>
/// <para>
/// Each producer thread has its own <see cref="ProducerStage"/>: it formats its whole line there, on its own thread,
/// and publishes it with a plain release store, taking no lock and no interlocked instruction (those, with the full
/// fence they imply, were once the largest cost of an event after the clock). Memory is bounded by credit: a stage
/// takes credit from the shared budget a chunk at a time (one interlocked operation per chunk, not per event), and
/// the writer returns it as lines reach the sink.
/// </para>
/// <para>
/// One background thread moves published lines from every stage into the pipe, appending each line's <c>seq</c>
/// as it goes, so the file is in <c>seq</c> order and each thread's lines keep their order; it then writes the
/// pipe's segments (whole lines only) to the sink, retrying a failed segment until it succeeds. An event that is
/// not written still takes a <c>seq</c>: its stage counts it, and the writer puts an <c>audit_dropped</c> record
/// naming the range before that thread's next line (or as soon as it sees the count), so every number is in the
/// file once, as a line or inside a range.
/// </para>
/// </remarks>
internal sealed class AuditPipeline
{
    /// <summary>Size of each pooled pipe segment.</summary>
    internal const int BlockSize = 64 * 1024;

    /// <summary>
    /// Size of each pooled stage block: small, since every thread that logs holds one until the writer takes it back
    /// (after <see cref="IdleSweepMilliseconds"/> without an event), and large enough that a thread moves to a new
    /// one only every ~70 lines.
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
    /// A stage whose thread logged nothing for this long (or has exited) gives its block and unused credit back to
    /// the writer; the thread takes a block again with its next event.
    /// </summary>
    private const int IdleSweepMilliseconds = 100;

    /// <summary>A producer short of credit asks for a sweep of idle stages and waits this long at most for it.</summary>
    private const int SweepWaitMilliseconds = 50;

    /// <summary>After a sweep that took nothing back, producers short of credit do not ask again for this long.</summary>
    private const int FutileSweepMilliseconds = 10;

    /// <summary>The number of <see cref="AuditDropReason"/> values: the length of each per-reason count array.</summary>
    internal const int DropReasons = (int)AuditDropReason.SequenceExhausted + 1;

    internal static ReadOnlySpan<byte> LinePrefix => "{\"timestamp\":\""u8;

    internal static ReadOnlySpan<byte> SeqField => ",\"seq\":"u8;

    internal static ReadOnlySpan<byte> LineEnd => "}\n"u8;

    private static ReadOnlySpan<byte> DropRecordType => "\",\"event_type\":\"audit_dropped\",\"count\":"u8;

    /// <summary>
    /// Bytes the writer appends to a line at most: the <c>seq</c> field (<see cref="SeqField"/> and up to 20 digits)
    /// and <see cref="LineEnd"/>. Constants, not sums of the spans' lengths, so the producer's path never calls for them.
    /// </summary>
    internal const int MaxLineEndBytes = 7 + 20 + 2;

    /// <summary>Bytes a staged record needs besides the line's body: header, <see cref="LinePrefix"/>, timestamp, closing quote.</summary>
    internal const int FixedRecordBytes = ProducerStage.HeaderBytes + 14 + TimestampFormatter.Length + 1;

    private static int MaxDropRecordBytes => LinePrefix.Length + TimestampFormatter.Length + DropRecordType.Length + (3 * 20) + 26 + MaxLineEndBytes;

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

    // Events refused on a detached stage (the logger disposed or out of seq): counted here, interlocked, rare.
    private readonly long[] _detachedDropped = new long[DropReasons];

    // (writer) Stages asked to give back their block and credit, reused for every sweep; the next idle sweep.
    private readonly List<ProducerStage> _sweepCandidates = new();
    private long _nextIdleSweep;

    // 1 when a producer short of credit asked for a sweep; sweeps done (producers wait for this to move).
    private int _sweepRequested;
    private long _sweepsDone;
    private long _lastSweepTick;
    private long _lastSweepReclaimed;

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

    // Written only by the writer thread, on cache lines of their own: bytes and event lines the sink accepted, errors.
    private readonly WriterProgress _progress = new();
    private volatile AuditSinkHealth _health;

    // Set by the writer as it exits: lines accepted that it could not write.
    private long _unwritten;

    // (_flushLock) Flush requests so far; the writer has exited.
    private long _flushRequested;
    private bool _writerDone;

    // (_flushLock) The owner's stop deadline passed while the writer was inside the sink: what it held was counted
    // unwritten, and the writer, if it ever returns, counts nothing more and exits.
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
        _largestCharge = Math.Min(MaxLineBytes, _maxBufferedBytes) + MaxLineEndBytes;
        int boundBlocks = (int)(_maxBufferedBytes / BlockSize);
        _pool = new BlockPool(BlockSize, boundBlocks + 8);
        int stageBlocks = (int)(_maxBufferedBytes / StageBlockSize);
        _stageBlocks = new StageBlockPool(StageBlockSize, stageBlocks + 8, (int)(Math.Min(_maxBufferedBytes, WarmBytes) / StageBlockSize) + 8);
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
        long buffered = Math.Max(0, Volatile.Read(ref _ledger.Credit) - unusedCredit);
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

        unusedCredit += Math.Max(0, Volatile.Read(ref stage.CreditLimit) - Volatile.Read(ref stage.Produced));
    }

    // The calling thread's stage in this pipeline, moved to the head of its list (created, detached, if it has none;
    // null, with the event counted, if it has none and this pipeline refuses every event: nothing is allocated for a
    // logger that is disposed). Stages of pipelines that are gone are unlinked on the way.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ProducerStage? SwitchStage()
    {
        ProducerStage? found = null;
        ProducerStage? kept = null;
        ProducerStage? keptTail = null;
        for (ProducerStage? stage = t_stage; stage is not null;)
        {
            ProducerStage? next = stage.NextOnThread;
            stage.NextOnThread = null;
            if (stage.PipelineToken == _token)
            {
                found = stage;
            }
            else if (((WeakReference<AuditPipeline>)stage.PipelineToken).TryGetTarget(out _))
            {
                if (keptTail is null)
                {
                    kept = stage;
                }
                else
                {
                    keptTail.NextOnThread = stage;
                }

                keptTail = stage;
            }

            stage = next;
        }

        int refusal = Volatile.Read(ref _refusal);
        if (found is null && refusal != 0)
        {
            Interlocked.Increment(ref _detachedDropped[refusal - 1]);
            t_stage = kept;
            return null;
        }

        found ??= new ProducerStage(_token, Thread.CurrentThread);
        found.NextOnThread = kept;
        t_stage = found;
        return found;
    }

    // On the thread that threw, before any handler runs: a line open on this thread may be about to be abandoned by
    // this exception (a generated body without a finally). Marked, so that the thread's next event, the writer at
    // shutdown or after the thread exits, can release it; a line whose own code catches the exception ends normally.
    private static void OnFirstChanceException(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
    {
        for (ProducerStage? stage = t_stage; stage is not null; stage = stage.NextOnThread)
        {
            if (stage.State == ProducerStage.InLine)
            {
                stage.State = ProducerStage.InLineFaulted;
            }
        }
    }

    /// <summary>
    /// Reserves room in the calling thread's stage for a line of at most <paramref name="maxBodyBytes"/> body bytes
    /// and writes its timestamp. On success the caller passes <paramref name="writer"/> to <see cref="EndLine"/>.
    /// </summary>
    /// <returns><see langword="false"/> if the event was dropped (counted, and in the next drop record).</returns>
    public bool TryBeginLine(long maxBodyBytes, out AuditLineWriter writer)
    {
        writer = default;
        // The system clock is read before anything else: its vDSO read (lfence and rdtsc, or rdtscp) waits for every
        // instruction before it to finish, so the stage lookup and checks go after it, where they overlap with the
        // rest of the event instead of stalling in front of the clock (auth_success 46 -> 42 ns). A dropped event
        // reads it for nothing; that is the rare path.
        long now = _coarseClock ? 0 : DateTime.UtcNow.Ticks;
        ProducerStage? stage = t_stage;
        if (stage is null || stage.PipelineToken != _token)
        {
            stage = SwitchStage();
            if (stage is null)
            {
                return false;
            }
        }

        if (stage.State != ProducerStage.Idle && !RecoverLine(stage))
        {
            return false;
        }

        // State is set before Revoke is read; the writer's process-wide barrier between asking and reading State pairs
        // with this order (SweepStages, StopProducers).
        stage.State = ProducerStage.InLine;
        if (Volatile.Read(ref stage.Revoke) != ProducerStage.Kept && !Resume(stage))
        {
            return false;
        }

        long needed = maxBodyBytes + FixedRecordBytes;
        long charge = needed + MaxLineEndBytes;
        if (charge > _largestCharge)
        {
            return Refuse(stage, AuditDropReason.Oversize);
        }
        if (stage.Produced + charge > stage.CreditLimit && !TryTakeCredit(stage, charge) && ShortOfCredit(stage, charge) is { } reason)
        {
            return Refuse(stage, reason);
        }

        Span<byte> record = stage.Reserve((int)needed, _stageBlocks);
        int position = ProducerStage.HeaderBytes;
        LinePrefix.CopyTo(record.Slice(position));
        position += LinePrefix.Length;
        if (_coarseClock)
        {
            now = stage.Clock.UtcTicks();
        }

        position += stage.Timestamp.Format(now, record.Slice(position));
        record[position++] = (byte)'"';
        writer = new AuditLineWriter(record, position, stage);
        return true;
    }

    private static bool Refuse(ProducerStage stage, AuditDropReason reason)
    {
        stage.CountDrop(reason);
        Volatile.Write(ref stage.State, ProducerStage.Idle);
        return false;
    }

    // The stage is in a line already: an event logged from a value's formatting code inside another (refused, since
    // the stage holds the outer line's reservation), or a line an exception abandoned (released, counted, and this
    // event goes on). Returns whether this event goes on.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RecoverLine(ProducerStage stage)
    {
        int state = Interlocked.CompareExchange(ref stage.State, ProducerStage.InLine, ProducerStage.InLineFaulted);
        if (state == ProducerStage.InLineFaulted)
        {
            // Its reservation is left where it is, unpublished: if the exception was in fact caught inside the
            // line's own code and that line goes on, it writes into a block no one reads.
            stage.CountDrop(AuditDropReason.FormatError);
            stage.SkipReservation(_stageBlocks);
            return true;
        }

        if (state == ProducerStage.Idle)
        {
            return true; // the writer released the abandoned line at shutdown
        }

        stage.CountDrop(AuditDropReason.FormatError);
        return false;
    }

    // The writer asked for the stage back (Requested), is taking it (Taking) or has taken it (Detached). Returns
    // whether the event goes on; if not, it is counted.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Resume(ProducerStage stage)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            int refusal = Volatile.Read(ref _refusal);
            switch (Volatile.Read(ref stage.Revoke))
            {
                case ProducerStage.Kept:
                    return true;

                case ProducerStage.Requested:
                    if (refusal != 0)
                    {
                        return Refuse(stage, (AuditDropReason)(refusal - 1));
                    }

                    if (Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Kept, ProducerStage.Requested) == ProducerStage.Requested)
                    {
                        return true; // kept: the writer, finding this thread in a line, leaves the stage be
                    }

                    break;

                case ProducerStage.Taking:
                    spinner.SpinOnce(); // the writer is moving the last lines and credit out: a few microseconds
                    break;

                default:
                    if (refusal != 0)
                    {
                        // Not attached again: nothing is allocated for a logger that no longer takes events.
                        Interlocked.Increment(ref _detachedDropped[refusal - 1]);
                        Volatile.Write(ref stage.State, ProducerStage.Idle);
                        return false;
                    }

                    stage.Attach(_stageBlocks.Rent(0));
                    stage.Revoke = ProducerStage.Kept;
                    ProducerStage? head;
                    do
                    {
                        head = Volatile.Read(ref _pendingStages);
                        stage.NextPending = head;
                    }
                    while (Interlocked.CompareExchange(ref _pendingStages, stage, head) != head);

                    // After the push (a full fence): a stop that began before it is seen here, or it sees this stage.
                    refusal = Volatile.Read(ref _refusal);
                    return refusal == 0 || Refuse(stage, (AuditDropReason)(refusal - 1));
            }
        }
    }

    // Credit is short: idle stages may hold it. Asks the writer to take it back (waiting once for its sweep unless
    // one has just run), then applies the full mode. Returns the reason the event is refused, or null.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AuditDropReason? ShortOfCredit(ProducerStage stage, long charge)
    {
        // A sweep that has just run and found nothing to take back is not asked for again: the buffer is full. Nor is
        // one asked of a writer that has been inside the sink for a while: it could not serve it.
        long now = Environment.TickCount64;
        long inSink = Volatile.Read(ref _sinkCallStart);
        bool futile = (Volatile.Read(ref _lastSweepReclaimed) == 0 && now - Volatile.Read(ref _lastSweepTick) < FutileSweepMilliseconds)
            || (inSink != 0 && now - inSink > FutileSweepMilliseconds);
        if (!futile && WaitForSweep() && TryTakeCredit(stage, charge))
        {
            return null;
        }

        return _fullMode switch
        {
            AuditFullMode.Drop => AuditDropReason.BufferFull,
            AuditFullMode.FailClosed => AuditDropReason.Rejected,
            _ => WaitForCredit(stage, charge),
        };
    }

    // Asks the writer for a sweep of idle stages and waits (up to SweepWaitMilliseconds) until one has finished.
    private bool WaitForSweep()
    {
        long seen = Volatile.Read(ref _sweepsDone);
        Volatile.Write(ref _sweepRequested, 1);
        WakeWriter();
        long deadline = Environment.TickCount64 + SweepWaitMilliseconds;
        lock (_roomLock)
        {
            long remaining;
            while (Volatile.Read(ref _sweepsDone) == seen && !_stopping && (remaining = deadline - Environment.TickCount64) > 0)
            {
                Monitor.Wait(_roomLock, (int)remaining);
            }
        }

        return Volatile.Read(ref _sweepsDone) != seen;
    }

    /// <summary>
    /// Ends the line begun by <see cref="TryBeginLine"/>: publishes it if it was completed, else counts it as dropped.
    /// </summary>
    internal void EndLine(ref AuditLineWriter writer)
    {
        ProducerStage? stage = writer.Stage;
        if (stage is null)
        {
            return; // not a writer TryBeginLine handed out
        }

        if (stage.State == ProducerStage.Idle)
        {
            return; // a line released as abandoned whose own code caught the exception: counted already
        }

        if (writer.Completed)
        {
            stage.Publish(writer.Line, writer.Position);
        }
        else
        {
            stage.CountDrop(AuditDropReason.FormatError);
        }

        Volatile.Write(ref stage.State, ProducerStage.Idle);
    }

    // Grants the stage enough credit for `charge` more bytes (a whole chunk when the budget allows), never taking the
    // total past the bound. The only interlocked operation on the producer path, once per chunk.
    private bool TryTakeCredit(ProducerStage stage, long charge)
    {
        long missing = stage.Produced + charge - stage.CreditLimit;
        long current = Volatile.Read(ref _ledger.Credit);
        long granted;
        while (true)
        {
            // A stage that holds no credit (new, or back from idle) takes only what its line needs: a thread that logs
            // once and goes idle holds nothing more; one that keeps logging takes whole chunks from its second grant.
            granted = Math.Min(Math.Max(missing, stage.CreditLimit == 0 ? 0 : _creditChunk), _maxBufferedBytes - current);
            if (granted < missing)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _ledger.Credit, current + granted, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        stage.CreditLimit += granted;
        long total = current + granted;
        long highWater = Volatile.Read(ref _ledger.HighWaterBytes);
        while (total > highWater)
        {
            long seen = Interlocked.CompareExchange(ref _ledger.HighWaterBytes, total, highWater);
            if (seen == highWater)
            {
                break;
            }

            highWater = seen;
        }

        // The writer polls every few milliseconds; a kernel wake-up is worth its cost only for a large backlog, and
        // only once per wait: the producer that clears the flag wakes it, later ones leave it be.
        if (total >= _maxBufferedBytes / 4 && Volatile.Read(ref _writerWaiting) != 0 && Interlocked.Exchange(ref _writerWaiting, 0) != 0)
        {
            WakeWriter();
        }

        return true;
    }

    private bool CreditAvailable(ProducerStage stage, long charge)
        => Volatile.Read(ref _ledger.Credit) + (stage.Produced + charge - stage.CreditLimit) <= _maxBufferedBytes;

    // Under Block: waits (sleeping on the room lock) until the writer returns credit, the timeout passes or the logger is disposed.
    private AuditDropReason? WaitForCredit(ProducerStage stage, long charge)
    {
        long deadline = Environment.TickCount64 + (long)_blockTimeout.TotalMilliseconds;
        Interlocked.Increment(ref _producersWaiting);
        try
        {
            while (true)
            {
                if (_disposed)
                {
                    return AuditDropReason.Disposed;
                }

                if (TryTakeCredit(stage, charge))
                {
                    return null;
                }

                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    return AuditDropReason.BlockTimeout;
                }

                WakeWriter();
                lock (_roomLock)
                {
                    // Rechecked under the room lock the writer pulses under, so a pulse cannot slip between.
                    if (!CreditAvailable(stage, charge) && !_disposed)
                    {
                        Monitor.Wait(_roomLock, (int)Math.Min(remaining, 10));
                    }
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _producersWaiting);
        }
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
    /// flush waiter. The writer, if the sink ever returns, exits without counting more.
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

    private void WriterLoop()
    {
        PipeReader reader = _pipe.Reader;
        int failures = 0;
        bool producersLeft = false;
        try
        {
            while (!Volatile.Read(ref _writerAbandoned))
            {
                bool stopping = _stopping;
                if (stopping && !producersLeft)
                {
                    StopProducers();
                    producersLeft = true;
                }

                long epoch;
                lock (_flushLock)
                {
                    epoch = _flushRequested;
                }

                long moved = CollectStages();
                Exception? error = DrainToSink(reader);
                if (error is null)
                {
                    if (failures > 0)
                    {
                        failures = 0;
                        _health = AuditSinkHealth.Healthy;
                        Report(new AuditSinkFault(null, 0, 0));
                    }

                    CompleteFlushWaiters(epoch, all: false);
                    if (stopping)
                    {
                        if (moved == 0 || Environment.TickCount64 >= Interlocked.Read(ref _stopDeadline))
                        {
                            break; // the producers have left and a full pass found nothing more, or the owner's time is up
                        }

                        continue;
                    }

                    SweepStages();
                    if (moved < BusyPassBytes)
                    {
                        WaitForWork();
                    }

                    continue;
                }

                failures++;
                _health = AuditSinkHealth.Retrying;
                Report(new AuditSinkFault(error, failures, Volatile.Read(ref _ledger.Credit)));
                if (stopping && Environment.TickCount64 >= Interlocked.Read(ref _stopDeadline))
                {
                    break; // the owner's timeout is over: what remains is counted as unwritten
                }

                if (!stopping)
                {
                    SweepStages(); // idle stages give back credit whether or not the sink takes lines
                }

                BackOff(Math.Min(MaxBackoffMilliseconds, 1 << Math.Min(failures - 1, 10)), stopping);
            }
        }
        finally
        {
            // Producers have left (or the deadline passed): what is still in flight will not be written. Every stage
            // outside a line lets go of its block, so that no thread keeps this logger's memory.
            ReleaseStages();
            bool abandoned;
            lock (_flushLock)
            {
                abandoned = _writerAbandoned;
                if (!abandoned)
                {
                    Volatile.Write(ref _unwritten, GetCounters().InFlight);
                }
            }

            try
            {
                _sink.Dispose();
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _progress.WriteErrors);
            }

            if (!abandoned)
            {
                _health = AuditSinkHealth.Closed;
            }

            reader.Complete();
            _pipe.Writer.Complete();
            _stageBlocks.Clear();
            CompleteFlushWaiters(long.MaxValue, all: true);
            _writerExited.TrySetResult();
        }
    }

    // After _refusal is set: asks every stage back and waits (up to the stop deadline) until no producer is inside an
    // event; a stage that joins meanwhile is asked too. A line abandoned by an exception is not waited for: it is
    // counted (FormatError) and recorded.
    private void StopProducers()
    {
        while (true)
        {
            int admitted = AdmitPendingStages();
            foreach (ProducerStage stage in _active)
            {
                Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
            }

            // Every producer now is in a line (State visible here) or meets the request on its next event.
            Interlocked.MemoryBarrierProcessWide();
            foreach (ProducerStage stage in _active)
            {
                while (Volatile.Read(ref stage.State) == ProducerStage.InLine && Environment.TickCount64 < Interlocked.Read(ref _stopDeadline))
                {
                    Thread.Sleep(1);
                }

                if (Interlocked.CompareExchange(ref stage.State, ProducerStage.Idle, ProducerStage.InLineFaulted) == ProducerStage.InLineFaulted)
                {
                    CountAbandoned(stage);
                }
            }

            if (admitted == 0 && Volatile.Read(ref _pendingStages) is null)
            {
                return;
            }
        }
    }

    // A line an exception abandoned, found by the writer (the owner has exited or the logger stops): counted and given
    // its seq in the next drop record, as the owner would have on its next event.
    private static void CountAbandoned(ProducerStage stage)
    {
        Volatile.Write(ref stage.Dropped[(int)AuditDropReason.FormatError], stage.Dropped[(int)AuditDropReason.FormatError] + 1);
        Volatile.Write(ref stage.DropsTotal, stage.DropsTotal + 1);
    }

    // Moves the stages that attached since the last pass into the writer's list; returns how many.
    private int AdmitPendingStages()
    {
        if (Volatile.Read(ref _pendingStages) is null)
        {
            return 0;
        }

        int admitted = 0;
        lock (_stagesLock)
        {
            for (ProducerStage? stage = Interlocked.Exchange(ref _pendingStages, null); stage is not null;)
            {
                ProducerStage? next = stage.NextPending;
                stage.NextPending = null;
                stage.Reader.Index = _active.Count;
                _active.Add(stage);
                admitted++;
                stage = next;
            }
        }

        return admitted;
    }

    // Every IdleSweepMilliseconds, or at once when a producer is short of credit: stages whose threads logged nothing
    // since the last sweep (or have exited), and, on a producer's request, every stage outside a line, give back their
    // block and unused credit. Asking is a store; the process-wide barrier then makes each owner's State visible, so
    // a stage found outside a line is taken while its owner, meeting the request, waits.
    private void SweepStages()
    {
        long now = Environment.TickCount64;
        bool requested = Volatile.Read(ref _sweepRequested) != 0 && Interlocked.Exchange(ref _sweepRequested, 0) != 0;
        if (!requested && now < _nextIdleSweep)
        {
            return;
        }

        _nextIdleSweep = now + IdleSweepMilliseconds;
        List<ProducerStage> candidates = _sweepCandidates;
        foreach (ProducerStage stage in _active)
        {
            long activity = Volatile.Read(ref stage.Accepted) + Volatile.Read(ref stage.DropsTotal);
            bool quiet = activity == stage.Reader.ActivityAtSweep;
            stage.Reader.ActivityAtSweep = activity;
            if ((requested || quiet) && (Volatile.Read(ref stage.State) == ProducerStage.Idle || !stage.Owner.IsAlive))
            {
                Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
                candidates.Add(stage);
            }
        }

        long creditBefore = Volatile.Read(ref _ledger.Credit);
        if (candidates.Count > 0)
        {
            Interlocked.MemoryBarrierProcessWide();
            foreach (ProducerStage stage in candidates)
            {
                bool exited = !stage.Owner.IsAlive;
                if ((Volatile.Read(ref stage.State) == ProducerStage.Idle || exited)
                    && Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Taking, ProducerStage.Requested) == ProducerStage.Requested)
                {
                    if (exited && Interlocked.Exchange(ref stage.State, ProducerStage.Idle) != ProducerStage.Idle)
                    {
                        CountAbandoned(stage); // the thread ended inside a line an exception abandoned
                    }

                    DetachStage(stage);
                }
            }

            candidates.Clear();
        }

        Volatile.Write(ref _lastSweepReclaimed, Math.Max(0, creditBefore - Volatile.Read(ref _ledger.Credit)));
        Volatile.Write(ref _lastSweepTick, now);
        Interlocked.Increment(ref _sweepsDone);
        PulseRoom();
    }

    // Takes a stage whose owner is outside every line and waits on Revoke (Taking): its last lines into the pipe, its
    // block back to the pool, its unused credit back to the ledger, its counts into the retired totals; then lets the
    // owner go on (Detached: its next event attaches it again).
    private void DetachStage(ProducerStage stage)
    {
        long credit = Collect(stage) + (stage.CreditLimit - stage.Produced);
        _stageBlocks.Return(stage.Detach());
        lock (_stagesLock)
        {
            _retiredAccepted += stage.Accepted;
            stage.Accepted = 0;
            for (int i = 0; i < _retiredDropped.Length; i++)
            {
                _retiredDropped[i] += stage.Dropped[i];
                stage.Dropped[i] = 0;
            }

            stage.DropsTotal = 0;
            stage.Reader.RecordedDrops = 0;
            stage.Reader.ActivityAtSweep = 0;
            stage.Produced = 0;
            stage.CreditLimit = 0;

            int index = stage.Reader.Index;
            ProducerStage last = _active[^1];
            _active[index] = last;
            last.Reader.Index = index;
            _active.RemoveAt(_active.Count - 1);
        }

        ReturnCredit(credit);
        Volatile.Write(ref stage.Revoke, ProducerStage.Detached);
    }

    // At the writer's exit: every stage outside a line is detached, so that no thread's stage keeps this pipeline's memory.
    private void ReleaseStages()
    {
        AdmitPendingStages();
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            ProducerStage stage = _active[i];
            if (Volatile.Read(ref stage.State) != ProducerStage.InLine
                && Interlocked.Exchange(ref stage.Revoke, ProducerStage.Taking) != ProducerStage.Detached)
            {
                if (Interlocked.Exchange(ref stage.State, ProducerStage.Idle) == ProducerStage.InLineFaulted)
                {
                    CountAbandoned(stage);
                }

                DetachStage(stage);
            }
        }
    }

    // Moves every published line of every stage into the pipe with its seq, and makes it readable; returns the bytes moved.
    private long CollectStages()
    {
        long before = _cursor.MovedBytes;
        AdmitPendingStages();
        long unusedEnds = 0;
        foreach (ProducerStage stage in _active)
        {
            unusedEnds += Collect(stage);
        }

        if (unusedEnds > 0)
        {
            // Each line was charged the longest line end; most take less. Waiting producers are woken by the
            // drain that follows, for more room than this.
            ReturnCredit(unusedEnds, wakeProducers: false);
        }

        if (_cursor.MovedBytes != _cursor.ReadableBytes)
        {
            _cursor.ReadableBytes = _cursor.MovedBytes;
            AdvanceChunk();
            ValueTask<FlushResult> flush = _pipe.Writer.FlushAsync();
            Debug.Assert(flush.IsCompletedSuccessfully);
            _ = flush.Result;
        }

        return _cursor.MovedBytes - before;
    }

    // Moves one stage's published records; returns the credit its lines were charged beyond their real line ends.
    private long Collect(ProducerStage stage)
    {
        StageReader reader = stage.Reader;

        // Read before the records: drops counted before a line was published are in that line's header or here.
        long dropsTotal = Volatile.Read(ref stage.DropsTotal);
        long unusedEnds = 0;
        while (true)
        {
            StageBlock block = reader.Block;
            StageBlock? next = Volatile.Read(ref block.Next); // read before Published: once linked, Published is final
            int published = Volatile.Read(ref block.Published);
            byte[] buffer = block.Buffer;
            while (reader.Position < published)
            {
                ReadOnlySpan<byte> header = buffer.AsSpan(reader.Position, ProducerStage.HeaderBytes);
                int length = BinaryPrimitives.ReadInt32LittleEndian(header);
                long dropsBefore = BinaryPrimitives.ReadInt64LittleEndian(header.Slice(8));
                if (dropsBefore > reader.RecordedDrops)
                {
                    WriteDropRecord(dropsBefore - reader.RecordedDrops);
                    reader.RecordedDrops = dropsBefore;
                }

                unusedEnds += MoveLine(buffer.AsSpan(reader.Position + ProducerStage.HeaderBytes, length));
                reader.Position += ProducerStage.HeaderBytes + length;
            }

            if (next is null)
            {
                break;
            }

            reader.Block = next;
            reader.Position = 0;
            _stageBlocks.Return(block);
        }

        if (dropsTotal > reader.RecordedDrops)
        {
            WriteDropRecord(dropsTotal - reader.RecordedDrops);
            reader.RecordedDrops = dropsTotal;
        }

        return unusedEnds;
    }

    // Copies a line into the pipe and ends it with its seq; returns the credit it was charged that the pipe does not
    // hold: how much shorter its end was than charged, or all of it when no seq is left for it.
    private int MoveLine(ReadOnlySpan<byte> line)
    {
        if (_seq.Exhausted)
        {
            Volatile.Write(ref _progress.UnnumberedLines, _progress.UnnumberedLines + 1);
            return line.Length + MaxLineEndBytes;
        }

        Span<byte> span = ReservePipe(line.Length + MaxLineEndBytes);
        line.CopyTo(span);
        int end = WriteLineEnd(span.Slice(line.Length));
        CommitPipe(line.Length + end);
        if (_seq.Exhausted)
        {
            OnSequenceExhausted(); // this line took long.MaxValue
        }

        return MaxLineEndBytes - end;
    }

    // The last seq is taken: producers refuse from now on, and the owner hears of it once.
    private void OnSequenceExhausted()
    {
        if (Interlocked.CompareExchange(ref _refusal, 1 + (int)AuditDropReason.SequenceExhausted, 0) != 0)
        {
            return; // reported already, or disposed
        }

        // Producers read the refusal when their stage is asked back.
        foreach (ProducerStage stage in _active)
        {
            Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
        }

        Report(new AuditSinkFault(
            new InvalidOperationException($"The audit seq reached {long.MaxValue}, its 64-bit limit; it is never wrapped or reused, so every later event is refused (AuditDropReason.SequenceExhausted). Start a new file."),
            0,
            Volatile.Read(ref _ledger.Credit)));
    }

    // {"timestamp":"…","event_type":"audit_dropped","count":N,"first_seq":A,"last_seq":B,"seq":S}\n
    private void WriteDropRecord(long count)
    {
        if (_seq.Remaining <= count)
        {
            // The range and the record's own seq do not fit below the 64-bit limit: the events stay counted by their
            // reasons, and the numbers that are left are given up rather than wrapped.
            if (!_seq.Exhausted)
            {
                _seq.Skip(_seq.Remaining);
            }

            OnSequenceExhausted();
            return;
        }

        Span<byte> span = ReservePipe(MaxDropRecordBytes);
        long first = _seq.Skip(count);
        LinePrefix.CopyTo(span);
        int position = LinePrefix.Length;
        position += _timestamp.Format(DateTime.UtcNow.Ticks, span.Slice(position));
        position += Copy(DropRecordType, span.Slice(position));
        position += FormatInteger(count, span.Slice(position));
        position += Copy(",\"first_seq\":"u8, span.Slice(position));
        position += FormatInteger(first, span.Slice(position));
        position += Copy(",\"last_seq\":"u8, span.Slice(position));
        position += FormatInteger(first + count - 1, span.Slice(position));
        position += WriteLineEnd(span.Slice(position));
        CommitPipe(position);
        if (_seq.Exhausted)
        {
            OnSequenceExhausted();
        }

        // Not charged to any stage's credit: remembered so that its bytes are not returned as credit when written.
        _dropRecords.Enqueue((_cursor.MovedBytes, position));
    }

    // Ends a line with its seq (taken even when not written, so drop ranges stay meaningful) and "}\n".
    private int WriteLineEnd(Span<byte> span)
    {
        int position = 0;
        if (_writeSeq)
        {
            position += Copy(SeqField, span);
            position += _seq.WriteAndAdvance(span.Slice(position));
        }
        else
        {
            _seq.Take();
        }

        return position + Copy(LineEnd, span.Slice(position));
    }

    // A contiguous span of at least `bytes` after the moved lines of the current chunk, taking a new chunk from the
    // pipe when this one is short (the pipe's GetMemory/Advance are virtual calls: once per chunk, not per line).
    private Span<byte> ReservePipe(int bytes)
    {
        if (_cursor.Chunk is null || _cursor.ChunkLength - _cursor.ChunkUsed < bytes)
        {
            AdvanceChunk();
            Memory<byte> memory = _pipe.Writer.GetMemory(bytes);
            if (!MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment))
            {
                throw new InvalidOperationException("The audit pipe's memory is not array-backed.");
            }

            _cursor.Chunk = segment.Array!;
            _cursor.ChunkOffset = segment.Offset;
            _cursor.ChunkLength = segment.Count;
        }

        return new Span<byte>(_cursor.Chunk, _cursor.ChunkOffset + _cursor.ChunkUsed, bytes);
    }

    private void CommitPipe(int bytes)
    {
        _cursor.ChunkUsed += bytes;
        _cursor.MovedBytes += bytes;
    }

    // Hands the chunk's complete lines to the pipe; the next reservation takes fresh memory.
    private void AdvanceChunk()
    {
        if (_cursor.ChunkUsed > 0)
        {
            _pipe.Writer.Advance(_cursor.ChunkUsed);
        }

        _cursor.Chunk = null;
        _cursor.ChunkUsed = 0;
    }

    private void ReturnCredit(long bytes, bool wakeProducers = true)
    {
        Interlocked.Add(ref _ledger.Credit, -bytes);
        if (wakeProducers && Volatile.Read(ref _producersWaiting) > 0)
        {
            PulseRoom();
        }
    }

    // Writes everything readable to the sink, a batch of segments at a time; stops at the first error (the failed
    // segment stays in the pipe for a retry) and returns it.
    private Exception? DrainToSink(PipeReader reader)
    {
        while (reader.TryRead(out ReadResult result) && !result.Buffer.IsEmpty)
        {
            Exception? error = WriteToSink(result.Buffer, out SequencePosition consumed, out long bytes, out long lines);
            reader.AdvanceTo(consumed);
            if (bytes > 0)
            {
                // Counted only now that AdvanceTo has returned the blocks to the pool.
                long written = _progress.WrittenBytes + bytes;
                long recordBytes = 0;
                while (_dropRecords.TryPeek(out (long End, int Length) record) && record.End <= written)
                {
                    _dropRecords.Dequeue();
                    recordBytes += record.Length;
                    lines--;
                }

                lock (_flushLock)
                {
                    if (_writerAbandoned)
                    {
                        return null; // counted unwritten already: the loop ends
                    }

                    Volatile.Write(ref _progress.WrittenEvents, _progress.WrittenEvents + lines);
                }

                Volatile.Write(ref _progress.WrittenBytes, written);
                ReturnCredit(bytes - recordBytes);
            }

            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    private static int FormatInteger(long value, Span<byte> destination)
    {
        bool formatted = Utf8Formatter.TryFormat(value, destination, out int written);
        Debug.Assert(formatted);
        return written;
    }

    // Writes up to MaxSegmentsPerBatch segments (each holds whole lines) and flushes; a failed segment stays
    // unconsumed, for a retry (sinks undo their own partial writes). Returns the error, if any, and the bytes and lines written.
    private Exception? WriteToSink(ReadOnlySequence<byte> buffer, out SequencePosition consumed, out long bytes, out long lines)
    {
        bytes = 0;
        lines = 0;
        consumed = buffer.Start;
        SequencePosition position = buffer.Start;
        int segments = 0;
        while (segments < MaxSegmentsPerBatch && buffer.TryGet(ref position, out ReadOnlyMemory<byte> segment))
        {
            ReadOnlySpan<byte> span = segment.Span;
            Debug.Assert(span.IsEmpty || span[^1] == (byte)'\n', "A segment ends with a complete line.");
            try
            {
                Volatile.Write(ref _sinkCallStart, Environment.TickCount64);
                _sink.Write(span);
            }
            catch (Exception error)
            {
                Interlocked.Increment(ref _progress.WriteErrors);
                return error;
            }
            finally
            {
                Volatile.Write(ref _sinkCallStart, 0);
            }

            segments++;
            consumed = position.GetObject() is null ? buffer.End : position;
            bytes += span.Length;
            lines += span.Count((byte)'\n');
        }

        try
        {
            Volatile.Write(ref _sinkCallStart, Environment.TickCount64);
            _sink.Flush();
            return null;
        }
        catch (Exception error)
        {
            Interlocked.Increment(ref _progress.WriteErrors);
            return error;
        }
        finally
        {
            Volatile.Write(ref _sinkCallStart, 0);
        }
    }

    private void Report(AuditSinkFault fault)
    {
        if (_onSinkFault is null)
        {
            return;
        }

        try
        {
            _onSinkFault(fault);
        }
        catch (Exception)
        {
            // A faulty callback must not stop the writer.
        }
    }

    // Completes the flush requests made before the writer pass `epoch` was read at (all of them when it exits).
    private void CompleteFlushWaiters(long epoch, bool all)
    {
        lock (_flushLock)
        {
            _writerDone |= all;
            for (int i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (_flushWaiters[i].Epoch <= epoch)
                {
                    _flushWaiters[i].Done.TrySetResult();
                    _flushWaiters.RemoveAt(i);
                }
            }
        }
    }

    // Waits before retrying a failed sink; a producer short of credit still has its sweep served meanwhile.
    private void BackOff(int milliseconds, bool stopping)
    {
        long deadline = Environment.TickCount64 + milliseconds;
        long remaining;
        while ((remaining = deadline - Environment.TickCount64) > 0)
        {
            lock (_wakeLock)
            {
                if (Volatile.Read(ref _sweepRequested) == 0)
                {
                    Monitor.Wait(_wakeLock, (int)remaining);
                }

                _wakeRequested = false;
            }

            if (!stopping && Volatile.Read(ref _sweepRequested) != 0)
            {
                SweepStages();
            }
        }
    }

    // Sleeps until woken or the poll interval passes.
    private void WaitForWork()
    {
        lock (_wakeLock)
        {
            Interlocked.Exchange(ref _writerWaiting, 1);
            if (!_wakeRequested && !_stopping)
            {
                Monitor.Wait(_wakeLock, IdlePollMilliseconds);
            }

            _wakeRequested = false;
            Volatile.Write(ref _writerWaiting, 0);
        }
    }
}

/// <summary>
/// Credit in use (granted to stages and not yet returned: the bytes of lines not yet written, plus what stages hold
/// unused; never above the bound) and the most it has been. Producers take it a chunk at a time and the writer returns
/// it every pass, so it sits alone on its cache lines rather than beside fields read on every event.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class CreditLedger
{
    [FieldOffset(64)]
    public long Credit;

    [FieldOffset(72)]
    public long HighWaterBytes;
}

/// <summary>
/// The writer thread's place in the pipe: the pipe memory lines are moved into (taken once per chunk, not per line:
/// <see cref="ChunkUsed"/> bytes at <see cref="ChunkOffset"/> in <see cref="Chunk"/> not yet handed to the pipe), and
/// the bytes moved into the pipe and made readable so far. Written for every line, so alone on its cache lines.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class PipeCursor
{
    [FieldOffset(64)]
    public byte[]? Chunk;

    [FieldOffset(72)]
    public long MovedBytes;

    [FieldOffset(80)]
    public long ReadableBytes;

    [FieldOffset(88)]
    public int ChunkOffset;

    [FieldOffset(92)]
    public int ChunkLength;

    [FieldOffset(96)]
    public int ChunkUsed;
}

/// <summary>
/// The writer thread's counters, alone on their cache lines so that its updates do not evict the producers' fields.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class WriterProgress
{
    [FieldOffset(64)]
    public long WrittenBytes;

    [FieldOffset(72)]
    public long WrittenEvents;

    [FieldOffset(80)]
    public long WriteErrors;

    /// <summary>Accepted lines that found no <c>seq</c> left (counted as <see cref="AuditDropReason.SequenceExhausted"/>).</summary>
    [FieldOffset(88)]
    public long UnnumberedLines;
}
