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
    private readonly object _sync = new();

    // Free blocks; _count of them are valid, the rest of the array is null.
    private readonly Block?[] _free;
    private int _count;
    private bool _disposed;

    public BlockPool(int blockSize, int retainedBlocks)
    {
        Debug.Assert(blockSize > 0 && retainedBlocks > 0);
        BlockSize = blockSize;
        _free = new Block?[retainedBlocks];
    }

    /// <summary>Size of every block; larger requests bypass this pool (the pipe rents them elsewhere).</summary>
    public int BlockSize { get; }

    /// <summary>Blocks the pool keeps for reuse.</summary>
    public int Capacity => _free.Length;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        Debug.Assert(minBufferSize <= BlockSize);
        lock (_sync)
        {
            if (_count > 0)
            {
                Block block = _free[--_count]!;
                _free[_count] = null;
                return block;
            }
        }

        return new Block(this, new byte[BlockSize]);
    }

    private void Return(Block block)
    {
        lock (_sync)
        {
            if (!_disposed && _count < _free.Length)
            {
                _free[_count++] = block;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        lock (_sync)
        {
            _disposed = true;
            Array.Clear(_free);
            _count = 0;
        }
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly BlockPool _pool;

        public Block(BlockPool pool, byte[] array)
        {
            _pool = pool;
            Memory = array;
        }

        public Memory<byte> Memory { get; }

        public void Dispose() => _pool.Return(this);
    }
}
