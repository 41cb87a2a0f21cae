using System;
using System.Buffers;
using System.Diagnostics;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// The pipe's memory: fixed-size blocks, kept for reuse up to a retention count so that the writer thread
/// in steady state never allocates (the shared array pool keeps too few per core to promise that).
/// </summary>
internal sealed class BlockPool : MemoryPool<byte>
{
    private readonly FreeList<Block> _free;

    public BlockPool(int blockSize, int retainedBlocks)
    {
        Debug.Assert(blockSize > 0 && retainedBlocks > 0);
        BlockSize = blockSize;
        _free = new FreeList<Block>(retainedBlocks);
    }

    /// <summary>Size of every block; larger requests bypass this pool (the pipe rents them elsewhere).</summary>
    public int BlockSize { get; }

    /// <summary>Blocks the pool keeps for reuse.</summary>
    public int Capacity => _free.Capacity;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        Debug.Assert(minBufferSize <= BlockSize);
        return _free.TryTake(out Block? block) ? block : new Block(this, new byte[BlockSize]);
    }

    protected override void Dispose(bool disposing) => _free.Close();

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly BlockPool _pool;

        public Block(BlockPool pool, byte[] array)
        {
            _pool = pool;
            Memory = array;
        }

        public Memory<byte> Memory { get; }

        public void Dispose() => _pool._free.Put(this);
    }
}
