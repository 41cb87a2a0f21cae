using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Infernum.Audit.Fast.Pipeline;

// The writer side: code that runs on the pipeline's one writer thread. It moves published lines from the stages into
// the pipe (ending each with its seq), writes the pipe to the sink, takes back idle stages, and stops.
internal sealed partial class AuditPipeline
{
    private void WriterLoop()
    {
        PipeReader reader = _pipe.Reader;
        int failures = 0;
        bool producersLeft = false;
        try
        {
            if (Volatile.Read(ref _refusal) == 1 + (int)AuditDropReason.SequenceExhausted)
            {
                ReportSequenceExhausted(); // the sink's file ended at the limit: refused from the first event
            }

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
            lock (_stagesLock)
            {
                foreach (ProducerStage stage in _active)
                {
                    Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
                }
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

    // Every IdleSweepMilliseconds: stages whose threads logged nothing since the last sweep give back their block and
    // unused credit. Every RetireBatch stages attached since the last sweep (or when a producer waits for it), and
    // at every timed sweep: stages of exited threads are retired. Asking is a store; the process-wide barrier then
    // makes each owner's State visible, so a stage found outside a line is taken while its owner, meeting the request,
    // waits. All of it under _stagesLock, as every taker does.
    private void SweepStages()
    {
        long now = Environment.TickCount64;
        long attached = Volatile.Read(ref _stagesAttached);
        bool timed = now >= _nextIdleSweep;
        bool requested = Volatile.Read(ref _sweepRequested) != 0 && Interlocked.Exchange(ref _sweepRequested, 0) != 0;
        if (!timed && !requested && attached - _attachedAtSweep < RetireBatch)
        {
            return;
        }

        if (timed)
        {
            _nextIdleSweep = now + IdleSweepMilliseconds;
        }

        AdmitPendingStages();
        Volatile.Write(ref _attachedAtSweep, attached);
        List<ProducerStage> candidates = _sweepCandidates;
        lock (_stagesLock)
        {
            foreach (ProducerStage stage in _active)
            {
                bool quiet = false;
                if (timed)
                {
                    long activity = Volatile.Read(ref stage.Accepted) + Volatile.Read(ref stage.DropsTotal);
                    quiet = activity == stage.Reader.ActivityAtSweep;
                    stage.Reader.ActivityAtSweep = activity;
                }

                if ((quiet && Volatile.Read(ref stage.State) == ProducerStage.Idle) || !stage.Owner.IsAlive)
                {
                    Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
                    candidates.Add(stage);
                }
            }

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
        }

        ReportDeferredExhaustion();
        Interlocked.Increment(ref _sweepsDone);
        PulseRoom();
    }

    // Takes a stage whose owner is outside every line and waits on Revoke (Taking): its last lines into the pipe, its
    // block back to the pool, its unused credit back to the ledger, its counts into the retired totals; then lets the
    // owner go on (Detached: its next event attaches it again).
    private void DetachStage(ProducerStage stage)
    {
        long credit = Collect(stage) + (stage.CreditLimit - stage.CreditUsed);
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
            stage.CreditUsed = 0;
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
        lock (_stagesLock)
        {
            ReleaseStagesLocked();
        }

        ReportDeferredExhaustion();
    }

    private void ReleaseStagesLocked()
    {
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

        long detachedDrops = Volatile.Read(ref _detachedRecordableDrops);
        if (detachedDrops > _detachedDropsRecorded)
        {
            WriteDropRecord(detachedDrops - _detachedDropsRecorded);
            _detachedDropsRecorded = detachedDrops;
        }

        if (unusedEnds > 0)
        {
            // Each line was charged the longest line end; most take less. Waiting producers are woken by the
            // drain that follows, for more room than this.
            ReturnCredit(unusedEnds, wakeProducers: false);
        }

        long waiting = _cursor.MovedBytes - _progress.WrittenBytes - _dropRecordBytes;
        if (waiting > _ledger.HighWaterBytes)
        {
            Volatile.Write(ref _ledger.HighWaterBytes, waiting);
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
            StageBlock block = Volatile.Read(ref reader.Block); // the owner sets it once, from the empty block to its first
            StageBlock? next = Volatile.Read(ref block.Next); // read before Published: once linked, Published is final
            int published = Volatile.Read(ref block.Published);
            byte[] buffer = block.Buffer;
            while (reader.Position < published)
            {
                ReadOnlySpan<byte> header = buffer.AsSpan(reader.Position, LineFormat.RecordHeaderBytes);
                int length = BinaryPrimitives.ReadInt32LittleEndian(header);
                long dropsBefore = BinaryPrimitives.ReadInt64LittleEndian(header.Slice(8));
                if (dropsBefore > reader.RecordedDrops)
                {
                    WriteDropRecord(dropsBefore - reader.RecordedDrops);
                    reader.RecordedDrops = dropsBefore;
                }

                unusedEnds += MoveLine(buffer.AsSpan(reader.Position + LineFormat.RecordHeaderBytes, length));
                reader.Position += LineFormat.RecordHeaderBytes + length;
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
            return line.Length + LineFormat.MaxLineEndBytes;
        }

        Span<byte> span = ReservePipe(line.Length + LineFormat.MaxLineEndBytes);
        line.CopyTo(span);
        int end = WriteLineEnd(span.Slice(line.Length));
        CommitPipe(line.Length + end);
        if (_seq.Exhausted)
        {
            OnSequenceExhausted(); // this line took long.MaxValue
        }

        return LineFormat.MaxLineEndBytes - end;
    }

    // The last seq is taken: producers refuse from now on, and the owner hears of it once.
    private void OnSequenceExhausted()
    {
        if (Interlocked.CompareExchange(ref _refusal, 1 + (int)AuditDropReason.SequenceExhausted, 0) != 0)
        {
            return; // reported already, or disposed
        }

        // Producers read the refusal when their stage is asked back.
        lock (_stagesLock)
        {
            foreach (ProducerStage stage in _active)
            {
                Interlocked.CompareExchange(ref stage.Revoke, ProducerStage.Requested, ProducerStage.Kept);
            }
        }

        if (Monitor.IsEntered(_stagesLock))
        {
            _exhaustionUnreported = true; // a sweep's detach took the last seq: the owner's callback runs outside the lock
        }
        else
        {
            ReportSequenceExhausted();
        }
    }

    // Reports an exhaustion found while _stagesLock was held, now that it is not.
    private void ReportDeferredExhaustion()
    {
        if (_exhaustionUnreported)
        {
            _exhaustionUnreported = false;
            ReportSequenceExhausted();
        }
    }

    // Once per logger: when the writer takes the last seq, or as it starts on a sink whose last seq was the limit
    // already (the constructor set the refusal then, so OnSequenceExhausted never runs).
    private void ReportSequenceExhausted()
    {
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

        Span<byte> span = ReservePipe(LineFormat.MaxDropRecordBytes);
        long first = _seq.Skip(count);
        LineFormat.LinePrefix.CopyTo(span);
        int position = LineFormat.LinePrefix.Length;
        position += _timestamp.Format(DateTime.UtcNow.Ticks, span.Slice(position));
        position += Copy(LineFormat.DropRecordType, span.Slice(position));
        position += FormatInteger(count, span.Slice(position));
        position += Copy(LineFormat.FirstSeqField, span.Slice(position));
        position += FormatInteger(first, span.Slice(position));
        position += Copy(LineFormat.LastSeqField, span.Slice(position));
        position += FormatInteger(first + count - 1, span.Slice(position));
        position += WriteLineEnd(span.Slice(position));
        CommitPipe(position);
        if (_seq.Exhausted)
        {
            OnSequenceExhausted();
        }

        // Not charged to any stage's credit: remembered so that its bytes are not returned as credit when written.
        _dropRecords.Enqueue((_cursor.MovedBytes, position));
        _dropRecordBytes += position;
    }

    // Ends a line with its seq (taken even when not written, so drop ranges stay meaningful) and "}\n".
    private int WriteLineEnd(Span<byte> span)
    {
        int position = 0;
        if (_writeSeq)
        {
            position += Copy(LineFormat.SeqField, span);
            position += _seq.WriteAndAdvance(span.Slice(position));
        }
        else
        {
            _seq.Take();
        }

        return position + Copy(LineFormat.LineEnd, span.Slice(position));
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

                _dropRecordBytes -= recordBytes;

                bool late;
                lock (_flushLock)
                {
                    // A sink that returns after the owner gave up on it (Abandon) did take these lines: they move from
                    // unwritten to written, and the loop then ends; what it never got stays unwritten.
                    late = _writerAbandoned;
                    if (late)
                    {
                        Volatile.Write(ref _unwritten, Math.Max(0, _unwritten - lines));
                    }

                    Volatile.Write(ref _progress.WrittenEvents, _progress.WrittenEvents + lines);
                }

                Volatile.Write(ref _progress.WrittenBytes, written);
                ReturnCredit(bytes - recordBytes);
                if (late)
                {
                    return null; // it answered, late (WriteToSink set the health it answered with)
                }
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
                CountWriteError();
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
            _health = AuditSinkHealth.Healthy; // before the lines are counted written, as an error before it is counted
            return null;
        }
        catch (Exception error)
        {
            CountWriteError();
            return error;
        }
        finally
        {
            Volatile.Write(ref _sinkCallStart, 0);
        }
    }

    // Health first, then the count: whoever reads WriteErrors after this error sees Retrying (or the Healthy of a later
    // successful call), never the Healthy from before it. The other order let a reader see an error counted and the
    // sink still healthy while the writer thread was preempted between the two stores. A successful call likewise
    // stores Healthy before DrainToSink counts its lines written.
    private void CountWriteError()
    {
        _health = AuditSinkHealth.Retrying;
        Interlocked.Increment(ref _progress.WriteErrors);
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

    // Waits before retrying a failed sink; a producer waiting for a sweep still has it served meanwhile.
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
