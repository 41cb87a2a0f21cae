using System;
using System.Buffers;
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
/// A producer formats its whole line on its own thread, into one contiguous span of the pipe's current segment,
/// while holding <see cref="_sync"/>; the line becomes visible (Advance) only when complete, with its <c>seq</c>
/// assigned at that moment, so lines never interleave or tear, a segment only ever holds whole lines, and the
/// file is in <c>seq</c> order. An event that is not written still takes a <c>seq</c>: it joins the pending drop
/// range, which the next accepted line (or shutdown) writes as an <c>audit_dropped</c> record, so every number is
/// in the file once, as a line or inside a range. Producers publish committed lines to the reader (FlushAsync, under
/// the same lock) a 256 KiB batch at a time; one background thread publishes smaller tails after a quiet poll, reads,
/// writes to the sink (retrying a failed segment until it succeeds), and only then returns the blocks and counts the
/// room, so a producer that sees room finds the blocks back in the pool.
/// </remarks>
internal sealed class AuditPipeline
{
    /// <summary>Size of each pooled pipe segment: big enough that most batches are one sink write.</summary>
    internal const int BlockSize = 64 * 1024;

    /// <summary>Buffer pre-allocated at construction (or the whole bound, if smaller).</summary>
    internal const long WarmBytes = 4L * 1024 * 1024;

    /// <summary>Largest line accepted; a bigger event is dropped rather than reserving unbounded memory.</summary>
    internal const int MaxLineBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The writer wakes at least this often: a line waits at most about this long before it heads for the sink.
    /// </summary>
    private const int IdlePollMilliseconds = 2;

    /// <summary>
    /// Producers publish committed lines to the reader in batches of this size, and wake a sleeping writer only
    /// when the backlog reaches a quarter of the bound: a wake-up per line put a futex call on the hot path (once
    /// most of an event's cost); otherwise the writer's poll picks the batches up.
    /// </summary>
    private const long WakeThresholdBytes = 256 * 1024;

    private const int MaxBackoffMilliseconds = 1000;

    /// <summary>Segments written per batch before their blocks go back to the pool (512 KiB).</summary>
    private const int MaxSegmentsPerBatch = 8;

    private static ReadOnlySpan<byte> LinePrefix => "{\"timestamp\":\""u8;

    private static ReadOnlySpan<byte> SeqField => ",\"seq\":"u8;

    private static ReadOnlySpan<byte> LineEnd => "}\n"u8;

    private static ReadOnlySpan<byte> DropRecordType => "\",\"event_type\":\"audit_dropped\",\"count\":"u8;

    /// <summary>Marks a drop record in the output; an escaped user value can never contain it.</summary>
    private static ReadOnlySpan<byte> DropRecordMarker => "\"event_type\":\"audit_dropped\""u8;

    /// <summary>Bytes a line needs besides its body: timestamp field, seq field and the closing brace and newline.</summary>
    internal static int FixedLineBytes => LinePrefix.Length + TimestampFormatter.Length + 1 + SeqField.Length + 20 + LineEnd.Length;

    private static int MaxDropRecordBytes => FixedLineBytes + DropRecordType.Length + (3 * 20) + 26;

    // 1 while a producer (or the writer, publishing) owns the pipe's writer, _timestamp and every field marked (sync).
    // A CAS spin lock, not a Monitor: sections are short, and Monitor's thread-id lookup and kernel wake-ups of
    // waiters were most of an event's cost.
    private int _sync;

    // Producers waiting for room sleep on this, and the writer pulses it as it frees room.
    private readonly object _roomLock = new();

    // Guards the writer's sleep: _wakeRequested.
    private readonly object _wakeLock = new();

    // Guards _flushWaiters and _writerDone.
    private readonly object _flushLock = new();

    private readonly Pipe _pipe;
    private readonly BlockPool _pool;
    private readonly TimestampFormatter _timestamp = new();
    private readonly AuditSink _sink;
    private readonly Thread _writerThread;
    private readonly long _maxBufferedBytes;
    private readonly AuditFullMode _fullMode;
    private readonly TimeSpan _blockTimeout;
    private readonly bool _writeSeq;
    private readonly Action<AuditSinkFault>? _onSinkFault;
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(long Target, TaskCompletionSource Done)> _flushWaiters = new();

    // (sync) Bytes of complete lines handed to the pipe (Advance), and made readable to the writer (FlushAsync).
    // _knownWrittenBytes: the writer's _progress.WrittenBytes as producers last read it (never ahead of the real value).
    private long _committedBytes;
    private long _knownWrittenBytes;
    private long _publishedBytes;
    private long _highWaterBytes;

    // (sync) The pipe memory lines are written into, taken once per chunk rather than per line: _chunkUsed bytes of
    // complete lines at _chunkOffset in _chunk, not yet handed to the pipe (Advance). Null when none is taken.
    private byte[]? _chunk;
    private int _chunkOffset;
    private int _chunkLength;
    private int _chunkUsed;

    // (sync) The next sequence number; events offered; event lines committed; drops by reason.
    private readonly SequenceCounter _seq;
    private long _offered;
    private long _accepted;
    private readonly long[] _dropped = new long[7];

    // (sync) Events dropped since the last drop record: a contiguous seq range.
    private long _pendingDropCount;
    private long _pendingDropFirst;
    private long _pendingDropLast;

    // (sync) Set once; from then on no line is committed. _producersWaiting: producers waiting for room.
    private bool _disposed;
    private int _producersWaiting;

    // Written only by the writer thread, on cache lines of their own: bytes and event lines the sink accepted, errors.
    private readonly WriterProgress _progress = new();
    private volatile AuditSinkHealth _health;

    // Under _flushLock: the writer has exited; nothing more will be written.
    private bool _writerDone;

    // Set after _disposed: the writer drains what is committed and exits, giving up on a failing sink at the deadline.
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
        _onSinkFault = options.OnSinkFault;
        _seq = new SequenceCounter(sink.LastSequenceNumber + 1);

        // Retain a full buffer's blocks plus the segments in transit and the unused tails that reservations leave.
        _pool = new BlockPool(BlockSize, (int)(_maxBufferedBytes / BlockSize) + 8);
        _pipe = new Pipe(new PipeOptions(
            pool: _pool,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, // the bound is enforced here, in bytes, not by the pipe
            resumeWriterThreshold: 0,
            minimumSegmentSize: BlockSize,
            useSynchronizationContext: false));

        WarmUp((int)Math.Min(_pool.Capacity, (WarmBytes / BlockSize) + 8));
        _writerThread = new Thread(WriterLoop)
        {
            IsBackground = true,
            Name = "Infernum.Audit writer",
        };
        _writerThread.Start();
    }

    public AuditSinkHealth Health => _health;

    /// <summary>A consistent snapshot: taken under the producers' lock, with the writer's counters read once.</summary>
    public AuditCounters GetCounters()
    {
        Enter();
        try
        {
            long written = Volatile.Read(ref _progress.WrittenEvents);
            long buffered = _committedBytes - Volatile.Read(ref _progress.WrittenBytes);
            return new AuditCounters
            {
                Enqueued = _offered,
                Written = written,
                InFlight = _accepted - written - _dropped[(int)AuditDropReason.Unwritten],
                DroppedBufferFull = _dropped[(int)AuditDropReason.BufferFull],
                DroppedBlockTimeout = _dropped[(int)AuditDropReason.BlockTimeout],
                DroppedRejected = _dropped[(int)AuditDropReason.Rejected],
                DroppedOversize = _dropped[(int)AuditDropReason.Oversize],
                DroppedDisposed = _dropped[(int)AuditDropReason.Disposed],
                DroppedFormatError = _dropped[(int)AuditDropReason.FormatError],
                DroppedUnwritten = _dropped[(int)AuditDropReason.Unwritten],
                WriteErrors = Volatile.Read(ref _progress.WriteErrors),
                BufferedBytes = buffered,
                BufferedBytesHighWater = Math.Max(_highWaterBytes, buffered),
            };
        }
        finally
        {
            Exit();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _sync, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
        // Spins, then yields; never sleeps a whole millisecond (sections are sub-microsecond).
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref _sync) != 0 || Interlocked.CompareExchange(ref _sync, 1, 0) != 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Exit() => Volatile.Write(ref _sync, 0);

    private void PulseRoom()
    {
        lock (_roomLock)
        {
            Monitor.PulseAll(_roomLock);
        }
    }

    /// <summary>
    /// Reserves room for a line of at most <paramref name="maxBodyBytes"/> body bytes and writes its timestamp.
    /// On success the caller holds the pipeline's lock until it passes <paramref name="writer"/> to <see cref="EndLine"/>.
    /// </summary>
    /// <returns><see langword="false"/> if the event was dropped (counted, and in the next drop record).</returns>
    public bool TryBeginLine(long maxBodyBytes, out AuditLineWriter writer)
    {
        writer = default;
        long needed = maxBodyBytes + FixedLineBytes;
        Enter();
        _offered++;
        if (_disposed)
        {
            _dropped[(int)AuditDropReason.Disposed]++;
            Exit();
            return false;
        }

        if (needed > MaxLineBytes)
        {
            DropLocked(AuditDropReason.Oversize);
            Exit();
            return false;
        }

        long reserve = needed + (_pendingDropCount > 0 ? MaxDropRecordBytes : 0);
        if (!HasRoomLocked(reserve))
        {
            AuditDropReason? refused = _fullMode switch
            {
                AuditFullMode.Drop => AuditDropReason.BufferFull,
                AuditFullMode.FailClosed => AuditDropReason.Rejected,
                _ => WaitForRoomLocked(ref reserve, needed),
            };

            if (refused is { } reason)
            {
                if (reason == AuditDropReason.Disposed)
                {
                    _dropped[(int)reason]++;
                }
                else
                {
                    DropLocked(reason);
                }

                Exit();
                return false;
            }
        }

        Span<byte> span = ReserveLocked((int)reserve);
        int position = _pendingDropCount > 0 ? WriteDropRecordLocked(span) : 0;
        int lineStart = position;
        LinePrefix.CopyTo(span.Slice(position));
        position += LinePrefix.Length;
        position += _timestamp.Format(DateTime.UtcNow.Ticks, span.Slice(position));
        span[position++] = (byte)'"';
        writer = new AuditLineWriter(span, lineStart, position);
        return true;
    }

    /// <summary>
    /// Ends the line begun by <see cref="TryBeginLine"/>: commits it with its <c>seq</c>, or, if it was not
    /// completed, drops it (keeping a drop record written before it), then releases the lock.
    /// </summary>
    internal void EndLine(ref AuditLineWriter writer)
    {
        Span<byte> span = writer.Line;
        int lineStart = writer.LineStart;
        int length = writer.Position;
        bool completed = writer.Completed;
        Debug.Assert(_sync == 1);
        int total;
        if (completed)
        {
            total = length + WriteLineEndLocked(span.Slice(length));
            _accepted++;
        }
        else
        {
            total = lineStart;
            DropLocked(AuditDropReason.FormatError);
        }

        CommitLocked(total);

        // Producers publish full batches themselves: the writer then never has to block on this lock, which
        // would make a producer spin behind it.
        bool batchReady = _committedBytes - _publishedBytes >= WakeThresholdBytes;
        if (batchReady)
        {
            PublishLocked();
        }

        // The writer polls every few milliseconds; a kernel wake-up is worth its cost only for a large backlog.
        bool urgent = false;
        if (batchReady)
        {
            _knownWrittenBytes = Volatile.Read(ref _progress.WrittenBytes); // once per batch: refresh the stale view
            urgent = _committedBytes - _knownWrittenBytes >= _maxBufferedBytes / 4;
        }

        Exit();
        if (urgent && Volatile.Read(ref _writerWaiting) != 0)
        {
            WakeWriter();
        }
    }

    /// <summary>Completes when every line committed before the call has been written to the sink and flushed.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        long target;
        Enter();
        try
        {
            target = _committedBytes;
            PublishLocked();
        }
        finally
        {
            Exit();
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_flushLock)
        {
            // Checked under the lock the writer completes waiters under, so no completion slips between.
            if (_progress.WrittenBytes >= target || _writerDone)
            {
                return Task.CompletedTask;
            }

            _flushWaiters.Add((target, done));
        }

        WakeWriter();
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops accepting lines; the writer drains everything to the sink (giving up on a failing sink after
    /// <paramref name="timeout"/>), then flushes and disposes it.</summary>
    /// <returns>The writer's exit.</returns>
    public Task StopAsync(TimeSpan timeout)
    {
        Enter();
        try
        {
            if (!_disposed)
            {
                _disposed = true;
                if (_pendingDropCount > 0)
                {
                    // The last drops still get their record, past the bound if need be.
                    CommitLocked(WriteDropRecordLocked(ReserveLocked(MaxDropRecordBytes)));
                }

                Interlocked.Exchange(ref _stopDeadline, Environment.TickCount64 + (long)timeout.TotalMilliseconds);
            }
        }
        finally
        {
            Exit();
        }

        PulseRoom();

        _stopping = true;
        WakeWriter();
        return _writerExited.Task;
    }

    // Checks against the producers' last look at the writer's progress, refreshed only when that says "full":
    // reading the writer's own cache line on every event cost more than the rest of the check.
    private bool HasRoomLocked(long bytes)
    {
        if (_committedBytes - _knownWrittenBytes + bytes <= _maxBufferedBytes)
        {
            return true;
        }

        _knownWrittenBytes = Volatile.Read(ref _progress.WrittenBytes);
        return _committedBytes - _knownWrittenBytes + bytes <= _maxBufferedBytes;
    }

    private void DropLocked(AuditDropReason reason)
    {
        _dropped[(int)reason]++;
        long seq = _seq.Take();
        if (_pendingDropCount++ == 0)
        {
            _pendingDropFirst = seq;
        }

        _pendingDropLast = seq;
    }

    // A contiguous span of at least `bytes` after the committed lines of the current chunk, taking a new chunk from
    // the pipe when this one is short (the pipe's GetMemory/Advance are virtual calls: once per chunk, not per line).
    private Span<byte> ReserveLocked(int bytes)
    {
        if (_chunk is null || _chunkLength - _chunkUsed < bytes)
        {
            AdvanceChunkLocked();
            Memory<byte> memory = _pipe.Writer.GetMemory(bytes);
            if (!MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment))
            {
                throw new InvalidOperationException("The audit pipe's memory is not array-backed.");
            }

            _chunk = segment.Array!;
            _chunkOffset = segment.Offset;
            _chunkLength = segment.Count;
        }

        return new Span<byte>(_chunk, _chunkOffset + _chunkUsed, bytes);
    }

    // Hands the chunk's complete lines to the pipe; the next reservation takes fresh memory.
    private void AdvanceChunkLocked()
    {
        if (_chunkUsed > 0)
        {
            _pipe.Writer.Advance(_chunkUsed);
        }

        _chunk = null;
        _chunkUsed = 0;
    }

    private void CommitLocked(int bytes)
    {
        if (bytes > 0)
        {
            _chunkUsed += bytes;
            _committedBytes += bytes;
            long buffered = _committedBytes - _knownWrittenBytes;
            if (buffered > _highWaterBytes)
            {
                _highWaterBytes = buffered;
            }
        }
    }

    // {"timestamp":"…","event_type":"audit_dropped","count":N,"first_seq":A,"last_seq":B,"seq":S}\n
    private int WriteDropRecordLocked(Span<byte> span)
    {
        Debug.Assert(_pendingDropCount > 0);
        LinePrefix.CopyTo(span);
        int position = LinePrefix.Length;
        position += _timestamp.Format(DateTime.UtcNow.Ticks, span.Slice(position));
        DropRecordType.CopyTo(span.Slice(position));
        position += DropRecordType.Length;
        position += FormatInteger(_pendingDropCount, span.Slice(position));
        position += Copy(",\"first_seq\":"u8, span.Slice(position));
        position += FormatInteger(_pendingDropFirst, span.Slice(position));
        position += Copy(",\"last_seq\":"u8, span.Slice(position));
        position += FormatInteger(_pendingDropLast, span.Slice(position));
        position += WriteLineEndLocked(span.Slice(position));
        _pendingDropCount = 0;
        return position;
    }

    // Ends a line with its seq (taken even when not written, so drop ranges stay meaningful) and "}\n".
    private int WriteLineEndLocked(Span<byte> span)
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

    // Under Block: waits (releasing the spin lock, sleeping on the room lock) until the writer frees room, the timeout passes or the logger is disposed.
    private AuditDropReason? WaitForRoomLocked(ref long reserve, long needed)
    {
        long deadline = Environment.TickCount64 + (long)_blockTimeout.TotalMilliseconds;
        _producersWaiting++;
        try
        {
            while (true)
            {
                if (_disposed)
                {
                    return AuditDropReason.Disposed;
                }

                // Another producer may have written the pending record while this one waited.
                reserve = needed + (_pendingDropCount > 0 ? MaxDropRecordBytes : 0);
                if (HasRoomLocked(reserve))
                {
                    return null;
                }

                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    return AuditDropReason.BlockTimeout;
                }

                PublishLocked();
                WakeWriter();
                Exit();
                lock (_roomLock)
                {
                    // Rechecked under the room lock the writer pulses under, so a pulse cannot slip between.
                    if (!HasRoomLocked(reserve) && !Volatile.Read(ref _disposed))
                    {
                        Monitor.Wait(_roomLock, (int)Math.Min(remaining, 10));
                    }
                }

                Enter();
            }
        }
        finally
        {
            _producersWaiting--;
        }
    }

    // Cycles blocks through the pipe once, before any producer runs, so the block pool and the pipe's own
    // segment pool already hold what a full buffer needs: a producer never allocates a segment later.
    private void WarmUp(int blocks)
    {
        PipeWriter writer = _pipe.Writer;
        for (int i = 0; i < blocks; i++)
        {
            writer.GetSpan(BlockSize);
            writer.Advance(BlockSize);
        }

        ValueTask<FlushResult> flush = writer.FlushAsync();
        Debug.Assert(flush.IsCompletedSuccessfully);
        _ = _pipe.Reader.TryRead(out ReadResult result);
        Debug.Assert(result.Buffer.Length == (long)blocks * BlockSize);
        _pipe.Reader.AdvanceTo(result.Buffer.End);
    }

    private void WakeWriter()
    {
        lock (_wakeLock)
        {
            _wakeRequested = true;
            Monitor.Pulse(_wakeLock);
        }
    }

    // Makes committed lines readable; FlushAsync never waits because the pipe has no pause threshold.
    private void PublishLocked()
    {
        if (_committedBytes != _publishedBytes)
        {
            AdvanceChunkLocked();
            ValueTask<FlushResult> flush = _pipe.Writer.FlushAsync();
            Debug.Assert(flush.IsCompletedSuccessfully);
            _ = flush.Result;
            Volatile.Write(ref _publishedBytes, _committedBytes);
        }
    }

    // Publishes a small tail that no producer's batch threshold will: only if the lock is free, since a
    // producer holding it will publish soon anyway. When stopping it waits for the lock: nothing may be left.
    private void PublishPending(bool stopping)
    {
        if (Volatile.Read(ref _committedBytes) == Volatile.Read(ref _publishedBytes))
        {
            return;
        }

        if (stopping)
        {
            Enter();
        }
        else if (Interlocked.CompareExchange(ref _sync, 1, 0) != 0)
        {
            return;
        }

        try
        {
            PublishLocked();
        }
        finally
        {
            Exit();
        }
    }

    private void WriterLoop()
    {
        PipeReader reader = _pipe.Reader;
        int failures = 0;
        bool idle = true;
        try
        {
            while (true)
            {
                bool stopping = _stopping;

                // While producers are busy they publish whole batches; the writer publishes a tail only after a
                // quiet poll (or at shutdown), so it does not contend with them for the lock.
                if (idle || stopping)
                {
                    PublishPending(stopping);
                }

                if (reader.TryRead(out ReadResult result) && !result.Buffer.IsEmpty)
                {
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    Exception? error = WriteToSink(buffer, out SequencePosition consumed, out long bytes, out long events);
                    reader.AdvanceTo(consumed);
                    if (bytes > 0)
                    {
                        // Counted only now that AdvanceTo has returned the blocks: a producer that sees the room can
                        // reuse them instead of allocating new ones.
                        Volatile.Write(ref _progress.WrittenEvents, _progress.WrittenEvents + events);
                        Volatile.Write(ref _progress.WrittenBytes, _progress.WrittenBytes + bytes);
                        OnProgress();
                    }

                    if (error is null)
                    {
                        if (failures > 0)
                        {
                            failures = 0;
                            _health = AuditSinkHealth.Healthy;
                            Report(new AuditSinkFault(null, 0, 0));
                        }

                        // A small batch means producers are slow: sleep instead of contending for their lock.
                        idle = bytes < WakeThresholdBytes && !stopping && !WaitForWork();
                        continue;
                    }

                    failures++;
                    _health = AuditSinkHealth.Retrying;
                    Report(new AuditSinkFault(error, failures, Volatile.Read(ref _committedBytes) - _progress.WrittenBytes));
                    if (stopping && Environment.TickCount64 >= Interlocked.Read(ref _stopDeadline))
                    {
                        break; // the owner's timeout is over: what remains is counted as unwritten
                    }

                    Thread.Sleep(Math.Min(MaxBackoffMilliseconds, 1 << Math.Min(failures - 1, 10)));
                    continue;
                }

                if (stopping)
                {
                    break;
                }

                idle = !WaitForWork();
            }
        }
        finally
        {
            Enter();
            _dropped[(int)AuditDropReason.Unwritten] = _accepted - _progress.WrittenEvents;
            Exit();

            try
            {
                _sink.Dispose();
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _progress.WriteErrors);
            }

            _health = AuditSinkHealth.Closed;
            reader.Complete();
            CompleteFlushWaiters(all: true);
            _writerExited.TrySetResult();
        }
    }

    // Writes up to MaxSegmentsPerBatch segments (each holds whole lines) and flushes; a failed segment stays
    // unconsumed, for a retry (sinks undo their own partial writes). Returns the error, if any.
    private Exception? WriteToSink(ReadOnlySequence<byte> buffer, out SequencePosition consumed, out long bytes, out long events)
    {
        bytes = 0;
        events = 0;
        consumed = buffer.Start;
        SequencePosition position = buffer.Start;
        int segments = 0;
        while (segments < MaxSegmentsPerBatch && buffer.TryGet(ref position, out ReadOnlyMemory<byte> segment))
        {
            ReadOnlySpan<byte> span = segment.Span;
            Debug.Assert(span.IsEmpty || span[^1] == (byte)'\n', "A segment ends with a complete line.");
            try
            {
                _sink.Write(span);
            }
            catch (Exception error)
            {
                Interlocked.Increment(ref _progress.WriteErrors);
                return error;
            }

            segments++;
            consumed = position.GetObject() is null ? buffer.End : position;
            bytes += span.Length;
            events += span.Count((byte)'\n') - CountDropRecords(span);
        }

        try
        {
            _sink.Flush();
            return null;
        }
        catch (Exception error)
        {
            Interlocked.Increment(ref _progress.WriteErrors);
            return error;
        }
    }

    private static int CountDropRecords(ReadOnlySpan<byte> span)
    {
        int count = 0;
        int at;
        while ((at = span.IndexOf(DropRecordMarker)) >= 0)
        {
            count++;
            span = span.Slice(at + DropRecordMarker.Length);
        }

        return count;
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

    private void OnProgress()
    {
        if (Volatile.Read(ref _producersWaiting) > 0)
        {
            PulseRoom();
        }

        CompleteFlushWaiters(all: false);
    }

    private void CompleteFlushWaiters(bool all)
    {
        lock (_flushLock)
        {
            _writerDone |= all;
            long written = _progress.WrittenBytes;
            for (int i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (all || _flushWaiters[i].Target <= written)
                {
                    _flushWaiters[i].Done.TrySetResult();
                    _flushWaiters.RemoveAt(i);
                }
            }
        }
    }

    // Sleeps until woken or the poll interval passes; returns whether there was a reason to wake (not a timeout).
    private bool WaitForWork()
    {
        lock (_wakeLock)
        {
            Interlocked.Exchange(ref _writerWaiting, 1);
            bool woken = _wakeRequested || _stopping || Volatile.Read(ref _publishedBytes) != Volatile.Read(ref _progress.WrittenBytes)
                || Monitor.Wait(_wakeLock, IdlePollMilliseconds);
            woken &= _wakeRequested || _stopping || Volatile.Read(ref _publishedBytes) != Volatile.Read(ref _progress.WrittenBytes);
            _wakeRequested = false;
            Volatile.Write(ref _writerWaiting, 0);
            return woken;
        }
    }
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
}
