using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Json;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// Moves complete audit lines from any number of producer threads, through a <see cref="Pipe"/>, to one sink.
/// </summary>
/// <remarks>
/// A producer formats its whole line on its own thread, into one contiguous span of the pipe's current
/// segment, while holding <see cref="_sync"/>; the line becomes visible (Advance) only when it is complete,
/// so lines never interleave or tear, and a segment only ever holds whole lines. One background thread
/// publishes committed lines (FlushAsync, under the same lock, so it never overlaps a producer), reads them,
/// and writes them to the sink. Memory is bounded by <see cref="_maxBufferedBytes"/>: past it a producer
/// waits up to <see cref="_blockTimeout"/> for the writer, then the event is counted as dropped.
/// </remarks>
internal sealed class AuditPipeline
{
    /// <summary>Size of each pooled pipe segment: big enough that most batches are one sink write.</summary>
    internal const int BlockSize = 64 * 1024;

    /// <summary>Default bound on bytes buffered between producers and the sink.</summary>
    internal const long DefaultMaxBufferedBytes = 4L * 1024 * 1024;

    /// <summary>Largest line accepted; a bigger event is counted as dropped rather than reserving unbounded memory.</summary>
    internal const int MaxLineBytes = 16 * 1024 * 1024;

    /// <summary>The writer wakes at least this often even if a wake-up signal was missed.</summary>
    private const int IdlePollMilliseconds = 5;

    private const int MaxBackoffMilliseconds = 1000;

    private static ReadOnlySpan<byte> LinePrefix => "{\"timestamp\":\""u8;

    private static ReadOnlySpan<byte> LineSuffix => "}\n"u8;

    /// <summary>Bytes a line needs besides its body: the timestamp field and the closing brace and newline.</summary>
    internal static int FixedLineBytes => LinePrefix.Length + TimestampFormatter.Length + 1 + LineSuffix.Length;

    // Guards the pipe's writer, _timestamp, _committedBytes, _publishedBytes, _disposed and _producersWaiting.
    private readonly object _sync = new();

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
    private readonly TimeSpan _blockTimeout;
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(long Target, TaskCompletionSource Done)> _flushWaiters = new();

    // Bytes of complete lines handed to the pipe (Advance). Written under _sync.
    private long _committedBytes;

    // Bytes made readable to the writer thread (FlushAsync). Written under _sync.
    private long _publishedBytes;

    // Bytes the sink accepted and flushed. Written only by the writer thread.
    private long _writtenBytes;

    // Lines handed to the pipe, and lines the sink accepted.
    private long _enqueued;
    private long _written;

    // Events refused: buffer full past the wait, line too large, logger disposed.
    private long _droppedFull;
    private long _droppedOversize;
    private long _droppedDisposed;

    private long _writeErrors;

    // Set once under _sync; from then on no line is committed.
    private bool _disposed;

    // Under _flushLock: the writer has exited; nothing more will be written.
    private bool _writerDone;

    // Set after _disposed: the writer drains what is committed and exits.
    private volatile bool _stopping;

    // 1 while the writer sleeps; producers wake it only then.
    private int _writerWaiting;

    // Under _wakeLock: a wake-up arrived since the writer last slept.
    private bool _wakeRequested;

    // Producers waiting in Monitor.Wait(_sync) for the writer to free room.
    private int _producersWaiting;

    public AuditPipeline(AuditSink sink, long maxBufferedBytes, TimeSpan blockTimeout)
    {
        Debug.Assert(maxBufferedBytes >= BlockSize);
        _sink = sink;
        _maxBufferedBytes = maxBufferedBytes;
        _blockTimeout = blockTimeout;

        // Retain enough blocks for a full buffer plus the segments in transit, so the steady state allocates nothing.
        _pool = new BlockPool(BlockSize, (int)(maxBufferedBytes / BlockSize) + 4);
        _pipe = new Pipe(new PipeOptions(
            pool: _pool,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, // the bound is enforced here, in bytes, not by the pipe
            resumeWriterThreshold: 0,
            minimumSegmentSize: BlockSize,
            useSynchronizationContext: false));

        WarmUp(_pool.Capacity);
        _writerThread = new Thread(WriterLoop)
        {
            IsBackground = true,
            Name = "Infernum.Audit writer",
        };
        _writerThread.Start();
    }

    public long Enqueued => Volatile.Read(ref _enqueued);

    public long Written => Volatile.Read(ref _written);

    public long DroppedFull => Volatile.Read(ref _droppedFull);

    public long DroppedOversize => Volatile.Read(ref _droppedOversize);

    public long DroppedDisposed => Volatile.Read(ref _droppedDisposed);

    public long WriteErrors => Volatile.Read(ref _writeErrors);

    public long BufferedBytes => Volatile.Read(ref _committedBytes) - Volatile.Read(ref _writtenBytes);

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
        bool read = _pipe.Reader.TryRead(out ReadResult result);
        Debug.Assert(read && result.Buffer.Length == (long)blocks * BlockSize);
        _pipe.Reader.AdvanceTo(result.Buffer.End);
    }

    /// <summary>Pool blocks created so far; constant in a steady state.</summary>
    internal int BlocksCreated => _pool.Created;

    /// <summary>
    /// Reserves room for a line of at most <paramref name="maxBodyBytes"/> body bytes and writes its timestamp.
    /// On success the caller holds the pipeline's lock until it disposes <paramref name="writer"/>.
    /// </summary>
    public bool TryBeginLine(long maxBodyBytes, out AuditLineWriter writer)
    {
        long needed = maxBodyBytes + FixedLineBytes;
        if (needed > MaxLineBytes)
        {
            Interlocked.Increment(ref _droppedOversize);
            writer = default;
            return false;
        }

        Monitor.Enter(_sync);
        if (_disposed || (_committedBytes - Volatile.Read(ref _writtenBytes) + needed > _maxBufferedBytes && !WaitForRoom(needed)))
        {
            Interlocked.Increment(ref _disposed ? ref _droppedDisposed : ref _droppedFull);
            Monitor.Exit(_sync);
            writer = default;
            return false;
        }

        Span<byte> span = _pipe.Writer.GetSpan((int)needed);
        Debug.Assert(span.Length >= needed);
        LinePrefix.CopyTo(span);
        int position = LinePrefix.Length;
        position += _timestamp.Format(DateTime.UtcNow.Ticks, span.Slice(position));
        span[position++] = (byte)'"';
        writer = new AuditLineWriter(this, span.Slice(0, (int)needed), position);
        return true;
    }

    /// <summary>Completes the line begun by <see cref="TryBeginLine"/> (length 0: abandons it) and releases the lock.</summary>
    /// <param name="line">The span reserved by <see cref="TryBeginLine"/>.</param>
    /// <param name="length">Bytes of the line written so far, without the suffix.</param>
    internal void EndLine(Span<byte> line, int length)
    {
        Debug.Assert(Monitor.IsEntered(_sync));
        if (length > 0)
        {
            Debug.Assert(length + LineSuffix.Length <= line.Length, "The body stayed within its reservation.");
            LineSuffix.CopyTo(line.Slice(length));
            length += LineSuffix.Length;
            _pipe.Writer.Advance(length);
            _committedBytes += length;
            _enqueued++;
        }

        Monitor.Exit(_sync);
        if (Volatile.Read(ref _writerWaiting) != 0)
        {
            WakeWriter();
        }
    }

    /// <summary>Completes when every line committed before the call has been written to the sink and flushed.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        long target;
        lock (_sync)
        {
            target = _committedBytes;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_flushLock)
        {
            // Checked under the lock the writer completes waiters under, so no completion slips between.
            if (_writtenBytes >= target || _writerDone)
            {
                return Task.CompletedTask;
            }

            _flushWaiters.Add((target, done));
        }

        WakeWriter();
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops accepting lines, lets the writer drain everything to the sink, and disposes the sink.</summary>
    /// <returns>The writer's exit, to wait on with the caller's timeout.</returns>
    public Task StopAsync()
    {
        lock (_sync)
        {
            if (!_disposed)
            {
                _disposed = true;
                Monitor.PulseAll(_sync);
            }
        }

        _stopping = true;
        WakeWriter();
        return _writerExited.Task;
    }

    private bool WaitForRoom(long needed)
    {
        Debug.Assert(Monitor.IsEntered(_sync));
        long deadline = Environment.TickCount64 + (long)_blockTimeout.TotalMilliseconds;
        _producersWaiting++;
        try
        {
            while (_committedBytes - Volatile.Read(ref _writtenBytes) + needed > _maxBufferedBytes)
            {
                long remaining = deadline - Environment.TickCount64;
                if (_disposed || remaining <= 0)
                {
                    return false;
                }

                PublishLocked();
                WakeWriter();
                Monitor.Wait(_sync, (int)Math.Min(remaining, IdlePollMilliseconds * 20));
            }

            return !_disposed;
        }
        finally
        {
            _producersWaiting--;
        }
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
            ValueTask<FlushResult> flush = _pipe.Writer.FlushAsync();
            Debug.Assert(flush.IsCompletedSuccessfully);
            _ = flush.Result;
            _publishedBytes = _committedBytes;
        }
    }

    private void WriterLoop()
    {
        PipeReader reader = _pipe.Reader;
        int failures = 0;
        try
        {
            while (true)
            {
                bool stopping = _stopping;
                lock (_sync)
                {
                    PublishLocked();
                }

                if (reader.TryRead(out ReadResult result) && !result.Buffer.IsEmpty)
                {
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    SequencePosition consumed = WriteToSink(buffer, out long bytes, out bool failed);
                    reader.AdvanceTo(consumed);
                    if (bytes > 0)
                    {
                        Volatile.Write(ref _writtenBytes, _writtenBytes + bytes);
                        OnProgress();
                    }

                    if (failed)
                    {
                        failures++;
                        Thread.Sleep(Math.Min(MaxBackoffMilliseconds, 1 << Math.Min(failures, 10)));
                        if (stopping && failures > 20)
                        {
                            break; // the sink is gone and the owner is waiting: what remains is counted as lost
                        }
                    }
                    else
                    {
                        failures = 0;
                    }

                    continue;
                }

                if (stopping)
                {
                    break;
                }

                WaitForWork();
            }
        }
        finally
        {
            try
            {
                _sink.Flush();
                _sink.Dispose();
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _writeErrors);
            }

            reader.Complete();
            CompleteFlushWaiters(all: true);
            _writerExited.TrySetResult();
        }
    }

    // Writes segment by segment (each holds whole lines); on a failure, what was written stays consumed.
    private SequencePosition WriteToSink(ReadOnlySequence<byte> buffer, out long bytes, out bool failed)
    {
        bytes = 0;
        failed = false;
        long lines = 0;
        SequencePosition position = buffer.Start;
        SequencePosition consumed = buffer.Start;
        while (buffer.TryGet(ref position, out ReadOnlyMemory<byte> segment))
        {
            ReadOnlySpan<byte> span = segment.Span;
            Debug.Assert(span.IsEmpty || span[^1] == (byte)'\n', "A segment ends with a complete line.");
            try
            {
                _sink.Write(span);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _writeErrors);
                failed = true;
                break;
            }

            bytes += span.Length;
            lines += span.Count((byte)'\n');
            consumed = position.GetObject() is null ? buffer.End : position;
        }

        if (!failed)
        {
            consumed = buffer.End;
            try
            {
                _sink.Flush();
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _writeErrors);
                failed = true;
            }
        }

        Interlocked.Add(ref _written, lines);
        return consumed;
    }

    private void OnProgress()
    {
        if (Volatile.Read(ref _producersWaiting) > 0)
        {
            lock (_sync)
            {
                Monitor.PulseAll(_sync);
            }
        }

        CompleteFlushWaiters(all: false);
    }

    private void CompleteFlushWaiters(bool all)
    {
        lock (_flushLock)
        {
            _writerDone |= all;
            long written = _writtenBytes;
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

    private void WaitForWork()
    {
        lock (_wakeLock)
        {
            Interlocked.Exchange(ref _writerWaiting, 1);
            if (!_wakeRequested && !_stopping && Volatile.Read(ref _committedBytes) == _publishedBytes)
            {
                Monitor.Wait(_wakeLock, IdlePollMilliseconds);
            }

            _wakeRequested = false;
            Volatile.Write(ref _writerWaiting, 0);
        }
    }
}
