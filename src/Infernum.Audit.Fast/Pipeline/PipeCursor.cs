using System.Runtime.InteropServices;

namespace Infernum.Audit.Fast.Pipeline;

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
