using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Infernum.Audit.Fast.Json;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// One producer thread's staging area in one pipeline: a queue of blocks that only its thread writes and only the
/// writer thread reads, so an event takes no lock and no interlocked instruction.
/// </summary>
/// <remarks>
/// Each staged record is a 16-byte header (the line's length, then the stage's drop total when it was written)
/// followed by the line without its end: <c>{"timestamp":"…",…</c>. The writer appends <c>,"seq":N}\n</c> as it
/// moves the line to the pipe. A record becomes visible when <see cref="StageBlock.Published"/> passes it; a block
/// is final once <see cref="StageBlock.Next"/> is set.
/// </remarks>
internal sealed class ProducerStage
{
    /// <summary><see cref="State"/>: no line is open.</summary>
    public const int Idle = 0;

    /// <summary><see cref="State"/>: a line is open (between <c>TryBeginLine</c> and <c>EndLine</c>).</summary>
    public const int InLine = 1;

    /// <summary>
    /// <see cref="State"/>: a line is open and an exception was thrown on the owner thread since it began. If the
    /// exception left the event's method, the line is abandoned: the next event on the thread (or the writer, once
    /// the thread has exited or the logger stops) counts it as a <see cref="AuditDropReason.FormatError"/>.
    /// </summary>
    public const int InLineFaulted = 2;

    /// <summary><see cref="Revoke"/>: nothing asked.</summary>
    public const int Kept = 0;

    /// <summary><see cref="Revoke"/>: the writer asks for the stage's block and credit back (the logger is stopping, or the stage is idle).</summary>
    public const int Requested = 1;

    /// <summary><see cref="Revoke"/>: the writer has seen the owner outside every line and is taking them; the owner waits.</summary>
    public const int Taking = 2;

    /// <summary><see cref="Revoke"/>: the stage holds no block and no credit and is not in the writer's list; the owner re-attaches it.</summary>
    public const int Detached = 3;

    /// <summary>An empty block a detached stage points at, so that no reference to a pipeline's memory outlives it.</summary>
    private static readonly StageBlock s_none = new([]);

    public ProducerStage(object pipelineToken, Thread owner)
    {
        PipelineToken = pipelineToken;
        Owner = owner;
        _writeBlock = s_none;
        Reader = new StageReader(s_none);
    }

    /// <summary>
    /// Identifies the pipeline this stage belongs to (a thread caches its last stage and compares this): a token, not
    /// the pipeline itself, so that a thread's stages never keep a disposed logger's memory reachable.
    /// </summary>
    public object PipelineToken { get; }

    /// <summary>The thread that writes this stage.</summary>
    public Thread Owner { get; }

    /// <summary>The owner thread's next stage (in other pipelines), a list headed by the thread's current stage.</summary>
    public ProducerStage? NextOnThread;

    /// <summary>The next stage waiting to join the writer's list (a lock-free stack).</summary>
    public ProducerStage? NextPending;

    /// <summary>The writer's position in this stage. Touched by the writer thread only (or by the owner while detached).</summary>
    public StageReader Reader { get; }

    /// <summary>This thread's timestamp cache.</summary>
    public TimestampFormatter Timestamp { get; } = new();

    /// <summary>This thread's coarse clock (<see cref="AuditClock.Coarse"/>).</summary>
    public CoarseClock Clock = new();

    // Owner thread only (the writer too while the owner waits on Revoke).
    private StageBlock _writeBlock;
    private int _writePosition;

    /// <summary>Credit charged by this stage's lines so far (each line's length plus the most a line end takes).</summary>
    public long CreditUsed;

    /// <summary>Credit granted to this stage so far; <see cref="CreditUsed"/> may not pass it.</summary>
    public long CreditLimit;

    /// <summary>Lines published.</summary>
    public long Accepted;

    /// <summary>Events dropped that take a <c>seq</c> (all reasons but <see cref="AuditDropReason.Disposed"/> and <see cref="AuditDropReason.SequenceExhausted"/>).</summary>
    public long DropsTotal;

    /// <summary>Events dropped, by reason.</summary>
    public readonly long[] Dropped = new long[AuditPipeline.DropReasons];

    /// <summary><see cref="Idle"/>, <see cref="InLine"/> or <see cref="InLineFaulted"/>; written by the owner (and by the first-chance handler on its thread).</summary>
    public int State;

    /// <summary>
    /// <see cref="Kept"/>, <see cref="Requested"/>, <see cref="Taking"/> or <see cref="Detached"/>: the hand-over of
    /// the block and credit between the owner and the writer. The owner reads it after setting <see cref="State"/>
    /// on every event (one load, no fence); the writer's process-wide barrier between asking and reading
    /// <see cref="State"/> makes the pair safe (see <c>AuditPipeline.SweepStages</c>).
    /// </summary>
    public int Revoke = Detached;

    /// <summary>
    /// Lets go of the block (the writer, detaching a stage whose block it has read to the end); returns it. A detached
    /// stage points at an empty block and takes a real one with its next line (<see cref="NextBlock"/>).
    /// </summary>
    public StageBlock Detach()
    {
        StageBlock block = Reader.Block;
        _writeBlock = s_none;
        _writePosition = 0;
        Reader.Block = s_none;
        Reader.Position = 0;
        return block;
    }

    /// <summary>
    /// Leaves the current block for a new one without publishing the space reserved last (a line abandoned by an
    /// exception): whatever still writes there writes into a block no one reads and no pool hands out again.
    /// </summary>
    public void SkipReservation(StageBlockPool pool)
    {
        if (_writeBlock != s_none)
        {
            _writeBlock.Abandoned = true;
            NextBlock(0, pool);
        }
    }

    /// <summary>A span of <paramref name="bytes"/> for the next record, in the current block or a new one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Reserve(int bytes, StageBlockPool pool)
    {
        StageBlock block = _writeBlock;
        if (block.Buffer.Length - _writePosition < bytes)
        {
            block = NextBlock(bytes, pool);
        }

        return new Span<byte>(block.Buffer, _writePosition, bytes);
    }

    /// <summary>
    /// Publishes the record reserved last, whose line ends at <paramref name="end"/> within <paramref name="record"/>.
    /// </summary>
    public void Publish(Span<byte> record, int end)
    {
        int lineLength = end - LineFormat.RecordHeaderBytes;
        BinaryPrimitives.WriteInt32LittleEndian(record, lineLength);
        BinaryPrimitives.WriteInt64LittleEndian(record.Slice(8), DropsTotal);
        _writePosition += end;
        CreditUsed += lineLength + LineFormat.MaxLineEndBytes;
        Volatile.Write(ref Accepted, Accepted + 1);
        Volatile.Write(ref _writeBlock.Published, _writePosition); // the record (and the count) become visible together
    }

    /// <summary>Counts a dropped event; one that takes a <c>seq</c> joins the next drop record.</summary>
    public void CountDrop(AuditDropReason reason)
    {
        Volatile.Write(ref Dropped[(int)reason], Dropped[(int)reason] + 1);
        if (reason is not (AuditDropReason.Disposed or AuditDropReason.SequenceExhausted))
        {
            Volatile.Write(ref DropsTotal, DropsTotal + 1);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private StageBlock NextBlock(int bytes, StageBlockPool pool)
    {
        StageBlock next;
        if (_writeBlock == s_none)
        {
            // The stage's first line since it was attached: a small block if the line fits one, so that a thread that
            // logs once and goes idle or exits holds little until the writer takes the stage back. Handed to the
            // writer's reader here: it reads no records from the empty block, and moves on only from a block it reads.
            next = pool.RentFirst(bytes);
            Volatile.Write(ref Reader.Block, next);
        }
        else
        {
            // The current block's records are all published: linking the next one makes it final for the writer.
            next = pool.Rent(bytes);
            Volatile.Write(ref _writeBlock.Next, next);
        }

        _writeBlock = next;
        _writePosition = 0;
        return next;
    }
}

/// <summary>
/// The writer thread's position in a <see cref="ProducerStage"/>. Written for every record, and allocated next to the
/// stage's own objects, so padded onto cache lines of its own: the producer's reads nearby do not miss because of it.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class StageReader
{
    public StageReader(StageBlock first) => Block = first;

    /// <summary>The block being read.</summary>
    [FieldOffset(64)]
    public StageBlock Block;

    /// <summary>The stage's drop total already written as drop records.</summary>
    [FieldOffset(72)]
    public long RecordedDrops;

    /// <summary>Bytes of <see cref="Block"/> already moved.</summary>
    [FieldOffset(80)]
    public int Position;

    /// <summary>The stage's place in the writer's list of attached stages.</summary>
    [FieldOffset(84)]
    public int Index;

    /// <summary>The stage's lines and drops at the last sweep: unchanged at the next, the stage is idle.</summary>
    [FieldOffset(88)]
    public long ActivityAtSweep;
}

/// <summary>A block of staged records.</summary>
internal sealed class StageBlock
{
    public StageBlock(byte[] buffer) => Buffer = buffer;

    public byte[] Buffer { get; }

    /// <summary>Bytes of complete records; written by the producer after each record, read by the writer.</summary>
    public int Published;

    /// <summary>Left by a stage after an abandoned line: never handed out again, since a late write may still land in it.</summary>
    public bool Abandoned;

    /// <summary>The block the producer moved on to; once set, <see cref="Published"/> no longer changes.</summary>
    public StageBlock? Next;
}

/// <summary>
/// Reuses <see cref="StageBlock"/>s across a pipeline's stages, so producers in steady state, and under backpressure up
/// to the buffer bound, never allocate. Two sizes: the block a stage starts with after attaching is small (a thread
/// that logs once holds only that until the writer takes its stage back); a stage that fills it moves to full-size
/// blocks. Larger blocks (for one very long line) are not kept. A block goes back into use last among those kept: the
/// one the writer returned just now is still in its core's cache, and a producer filling it would wait on that core
/// for every line it writes.
/// </summary>
internal sealed class StageBlockPool
{
    /// <summary>Size of the block a stage starts with: room for a few typical lines.</summary>
    internal const int FirstBlockSize = 2 * 1024;

    private readonly FreeList<StageBlock> _free;
    private readonly FreeList<StageBlock> _freeFirst;
    private readonly int _blockSize;

    public StageBlockPool(int blockSize, int retainedBlocks, int warmBlocks, int retainedFirstBlocks)
    {
        Debug.Assert(warmBlocks <= retainedBlocks);
        Debug.Assert(blockSize > FirstBlockSize);
        _blockSize = blockSize;
        _free = new FreeList<StageBlock>(retainedBlocks, oldestFirst: true);
        _freeFirst = new FreeList<StageBlock>(retainedFirstBlocks, oldestFirst: true);
        for (int i = 0; i < warmBlocks; i++)
        {
            _free.Put(new StageBlock(new byte[blockSize]));
        }
    }

    /// <summary>A full-size block, or a larger one, that holds at least <paramref name="bytes"/>.</summary>
    public StageBlock Rent(int bytes)
    {
        if (bytes > _blockSize)
        {
            return new StageBlock(new byte[bytes]);
        }

        return _free.TryTake(out StageBlock? block) ? block : new StageBlock(new byte[_blockSize]);
    }

    /// <summary>A stage's first block: a small one if <paramref name="bytes"/> fit it, else as <see cref="Rent"/>.</summary>
    public StageBlock RentFirst(int bytes)
    {
        if (bytes > FirstBlockSize)
        {
            return Rent(bytes);
        }

        return _freeFirst.TryTake(out StageBlock? block) ? block : new StageBlock(new byte[FirstBlockSize]);
    }

    /// <summary>Takes back a block the writer has read completely.</summary>
    public void Return(StageBlock block)
    {
        if (block.Abandoned)
        {
            return;
        }

        FreeList<StageBlock>? list = block.Buffer.Length == _blockSize ? _free : block.Buffer.Length == FirstBlockSize ? _freeFirst : null;
        if (list is not null)
        {
            block.Published = 0;
            block.Next = null;
            list.Put(block);
        }
    }

    /// <summary>Lets the retained blocks go (the pipeline has stopped).</summary>
    public void Clear()
    {
        _free.Close();
        _freeFirst.Close();
    }
}
