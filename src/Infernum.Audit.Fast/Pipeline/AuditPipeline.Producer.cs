using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Infernum.Audit.Fast.Pipeline;

// The producer side: code that runs on the threads that log events (and on the first-chance exception handler of
// those threads). It takes no lock and no interlocked instruction per event; its slow paths (a new or detached stage,
// credit, a full buffer, an abandoned line) are the methods marked NoInlining.
internal sealed partial class AuditPipeline
{
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
    /// Whether the calling thread is inside a line of this pipeline (a value's formatting code disposing the logger):
    /// it cannot wait for the drain, which waits for that very line to end.
    /// </summary>
    internal bool IsInLineOnThisThread
    {
        get
        {
            for (ProducerStage? stage = t_stage; stage is not null; stage = stage.NextOnThread)
            {
                if (stage.PipelineToken == _token)
                {
                    return stage.State != ProducerStage.Idle;
                }
            }

            return false;
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

        long needed = maxBodyBytes + LineFormat.FixedRecordBytes;
        long charge = needed + LineFormat.MaxLineEndBytes;
        if (charge > _largestCharge)
        {
            return Refuse(stage, AuditDropReason.Oversize);
        }
        if (stage.CreditUsed + charge > stage.CreditLimit && !TryTakeCredit(stage, charge) && ShortOfCredit(stage, charge) is { } reason)
        {
            return Refuse(stage, reason);
        }

        Span<byte> record = stage.Reserve((int)needed, _stageBlocks);
        int position = LineFormat.RecordHeaderBytes;
        LineFormat.LinePrefix.CopyTo(record.Slice(position));
        position += LineFormat.LinePrefix.Length;
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

                    // No block yet: the stage takes a small one with its first line (ProducerStage.NextBlock).
                    long unswept = Volatile.Read(ref _stagesAttached) - Volatile.Read(ref _attachedAtSweep);
                    if (unswept >= MaxAttachesBetweenSweeps && !WaitForRetirement(stage))
                    {
                        return false;
                    }

                    stage.Revoke = ProducerStage.Kept;
                    ProducerStage? head;
                    do
                    {
                        head = Volatile.Read(ref _pendingStages);
                        stage.NextPending = head;
                    }
                    while (Interlocked.CompareExchange(ref _pendingStages, stage, head) != head);

                    if (Interlocked.Increment(ref _stagesAttached) - Volatile.Read(ref _attachedAtSweep) == RetireBatch)
                    {
                        WakeWriter(); // the writer sweeps for exited threads' stages on its next pass
                    }

                    // After the push (a full fence): a stop that began before it is seen here, or it sees this stage.
                    refusal = Volatile.Read(ref _refusal);
                    return refusal == 0 || Refuse(stage, (AuditDropReason)(refusal - 1));
            }
        }
    }

    // Credit is short: takes back what stages outside a line hold unused, then applies the full mode. Returns the
    // reason the event is refused, or null.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AuditDropReason? ShortOfCredit(ProducerStage stage, long charge)
    {
        if (ReclaimCredit(stage, charge))
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

    // Takes back the unused credit of every stage whose thread is outside a line (idle, or exited), then takes this
    // event's. While stages inside a line hold enough unused credit to make the difference, waits for their lines to
    // end (microseconds; InLineCreditWaitMilliseconds at most) and tries again. So an event is refused only when the
    // bytes waiting for the sink, with the lines being written at that moment, leave no room for it.
    private bool ReclaimCredit(ProducerStage stage, long charge)
    {
        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * InLineCreditWaitMilliseconds / 1000;
        var spinner = default(SpinWait);
        while (true)
        {
            long heldInLines = TakeBackUnusedCredit(stage, charge);
            if (TryTakeCredit(stage, charge))
            {
                return true;
            }

            if (heldInLines == 0 || Stopwatch.GetTimestamp() > deadline || _disposed)
            {
                return false;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    // If what the other stages hold unused would make room for `charge`: asks every one outside a line for it (under
    // _stagesLock, as every taker does), makes each owner's State visible with one process-wide barrier, and takes the
    // credit of those still outside a line: the owner, meeting the request, waits on Taking for the few instructions
    // this takes, then goes on (Resume). Returns the unused credit left with stages inside a line; 0 when there is
    // nothing to take or wait for (the bytes waiting leave no room: no barrier is paid for a buffer that is full).
    private long TakeBackUnusedCredit(ProducerStage stage, long charge)
    {
        long heldInLines = 0;
        lock (_stagesLock)
        {
            long missing = Volatile.Read(ref _ledger.Credit) + (stage.CreditUsed + charge - stage.CreditLimit) - _maxBufferedBytes;
            long held = 0;
            foreach (ProducerStage other in _active)
            {
                held += other == stage ? 0 : Math.Max(0, UnusedCredit(other));
            }

            for (ProducerStage? other = Volatile.Read(ref _pendingStages); other is not null; other = other.NextPending)
            {
                held += other == stage ? 0 : Math.Max(0, UnusedCredit(other));
            }

            if (held < missing || held == 0)
            {
                return 0;
            }

            bool asked = false;
            foreach (ProducerStage other in _active)
            {
                asked |= AskForCredit(other);
            }

            for (ProducerStage? other = Volatile.Read(ref _pendingStages); other is not null; other = other.NextPending)
            {
                asked |= AskForCredit(other);
            }

            if (!asked)
            {
                return held; // all of it in lines being written
            }

            Interlocked.MemoryBarrierProcessWide();
            long returned = 0;
            foreach (ProducerStage other in _active)
            {
                returned += other == stage ? 0 : TakeCredit(other, ref heldInLines);
            }

            for (ProducerStage? other = Volatile.Read(ref _pendingStages); other is not null; other = other.NextPending)
            {
                returned += other == stage ? 0 : TakeCredit(other, ref heldInLines);
            }

            if (returned > 0)
            {
                Interlocked.Add(ref _ledger.Credit, -returned);
            }
        }

        return heldInLines;
    }

    private static long UnusedCredit(ProducerStage stage) => Volatile.Read(ref stage.CreditLimit) - Volatile.Read(ref stage.CreditUsed);

    // Asks a stage that holds unused credit and is outside a line for it; returns whether it is (now) asked.
    private static bool AskForCredit(ProducerStage stage)
    {
        if (UnusedCredit(stage) <= 0 || Volatile.Read(ref stage.State) != ProducerStage.Idle)
        {
            return false;
        }

        int revoke = Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
        return revoke is ProducerStage.Kept or ProducerStage.Requested;
    }

    // After the barrier: takes an asked stage's unused credit if its owner is outside a line; returns it. The stage is
    // left asked (Requested), not kept: a stop or sweep may have asked it too, and the owner's next event answers.
    private static long TakeCredit(ProducerStage stage, ref long heldInLines)
    {
        long unused = UnusedCredit(stage);
        if (unused <= 0)
        {
            return 0;
        }

        if (Volatile.Read(ref stage.State) != ProducerStage.Idle
            || Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Taking, ProducerStage.Requested) != ProducerStage.Requested)
        {
            heldInLines += unused;
            return 0;
        }

        unused = stage.CreditLimit - stage.CreditUsed; // final: the owner waits
        stage.CreditLimit = stage.CreditUsed;
        Volatile.Write(ref stage.Revoke, ProducerStage.Requested);
        return unused;
    }

    // MaxAttachesBetweenSweeps stages attached since the writer's last sweep: waits for one, so that stages of exited
    // threads cannot pile up faster than the writer retires them. A writer that is merely slow is not waited for
    // longer than RetireWaitMilliseconds. A writer stuck inside the sink's call cannot sweep: then a thread new to the
    // logger is handled as if the buffer were full (its stage would hold memory the bound does not count); the event
    // is counted without a stage and the writer records it in a drop record. Returns whether the stage may attach.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WaitForRetirement(ProducerStage stage)
    {
        if ((!WriterStuckInSink() && WaitForSweep(RetireWaitMilliseconds)) || !WriterStuckInSink())
        {
            return true;
        }

        if (_fullMode == AuditFullMode.Block && WaitForSweep((int)_blockTimeout.TotalMilliseconds))
        {
            return true;
        }

        AuditDropReason reason = _fullMode switch
        {
            AuditFullMode.Drop => AuditDropReason.BufferFull,
            AuditFullMode.FailClosed => AuditDropReason.Rejected,
            _ => AuditDropReason.BlockTimeout,
        };
        Interlocked.Increment(ref _detachedDropped[(int)reason]);
        Interlocked.Increment(ref _detachedRecordableDrops);
        Volatile.Write(ref stage.State, ProducerStage.Idle);
        return false;
    }

    private bool WriterStuckInSink()
    {
        long inSink = Volatile.Read(ref _sinkCallStart);
        return inSink != 0 && Environment.TickCount64 - inSink > StuckSinkMilliseconds;
    }

    // Asks the writer for a sweep and waits (up to `milliseconds`) until one has finished; returns whether one has.
    private bool WaitForSweep(int milliseconds)
    {
        long seen = Volatile.Read(ref _sweepsDone);
        Volatile.Write(ref _sweepRequested, 1);
        WakeWriter();
        long deadline = Environment.TickCount64 + milliseconds;
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
    internal bool EndLine(ref AuditLineWriter writer)
    {
        ProducerStage? stage = writer.Stage;
        if (stage is null)
        {
            return false; // not a writer TryBeginLine handed out
        }

        if (stage.State == ProducerStage.Idle)
        {
            return false; // a line released as abandoned whose own code caught the exception: counted already
        }

        bool completed = writer.Completed;
        if (completed)
        {
            stage.Publish(writer.Line, writer.Position);
        }
        else
        {
            stage.CountDrop(AuditDropReason.FormatError);
        }

        Volatile.Write(ref stage.State, ProducerStage.Idle);
        return completed;
    }

    // Grants the stage enough credit for `charge` more bytes (a whole chunk when the budget allows), never taking the
    // total past the bound. The only interlocked operation on the producer path, once per chunk.
    private bool TryTakeCredit(ProducerStage stage, long charge)
    {
        long missing = stage.CreditUsed + charge - stage.CreditLimit;
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

        // The writer polls every few milliseconds; a kernel wake-up is worth its cost only for a large backlog, and
        // only once per wait: the producer that clears the flag wakes it, later ones leave it be.
        if (total >= _maxBufferedBytes / 4 && Volatile.Read(ref _writerWaiting) != 0 && Interlocked.Exchange(ref _writerWaiting, 0) != 0)
        {
            WakeWriter();
        }

        return true;
    }

    private bool CreditAvailable(ProducerStage stage, long charge)
        => Volatile.Read(ref _ledger.Credit) + (stage.CreditUsed + charge - stage.CreditLimit) <= _maxBufferedBytes;

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

                TakeBackUnusedCredit(stage, charge);
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
}
