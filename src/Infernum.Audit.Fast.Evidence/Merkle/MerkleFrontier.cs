using System;
using System.Numerics;
using System.Security.Cryptography;

namespace Infernum.Audit.Fast.Evidence.Merkle;

/// <summary>
/// A Merkle tree grown one leaf at a time that keeps only the roots of its perfect subtrees (one per set bit of
/// <see cref="Size"/>, at most 64): O(log n) memory, one leaf hash and on average one node hash per
/// <see cref="Append(ReadOnlySpan{byte})"/>, and a root equal to RFC 9162 §2.1.1's <c>MTH</c>.
/// </summary>
/// <remarks>Not thread-safe: the evidence sink uses it from one thread at a time.</remarks>
public sealed class MerkleFrontier
{
    private const int MaxHeight = 64;

    // Subtree roots from the leftmost (tallest) to the rightmost (shortest); one for each set bit of _size.
    private readonly byte[] _roots = new byte[MaxHeight * MerkleTree.HashSize];
    private int _count;
    private long _size;

    /// <summary>The number of leaves appended.</summary>
    public long Size => _size;

    /// <summary>Appends a leaf given its data: hashes it as RFC 9162 §2.1.1's leaf.</summary>
    /// <param name="data">The leaf's bytes (a line without its <c>\n</c>).</param>
    /// <param name="leafHash">Receives the leaf hash (32 bytes).</param>
    public void AppendData(ReadOnlySpan<byte> data, Span<byte> leafHash)
    {
        MerkleTree.HashLeaf(data, leafHash);
        Append(leafHash);
    }

    /// <summary>Appends a leaf by its 32-byte leaf hash.</summary>
    /// <param name="leafHash">The leaf hash.</param>
    /// <exception cref="ArgumentException">The hash is not 32 bytes.</exception>
    public void Append(ReadOnlySpan<byte> leafHash)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(leafHash.Length, MerkleTree.HashSize, nameof(leafHash));
        Span<byte> carry = stackalloc byte[MerkleTree.HashSize];
        leafHash.CopyTo(carry);

        // Each trailing set bit of the size is a perfect subtree of the new leaf's height: merge them, as binary carry.
        for (long size = _size; (size & 1) == 1; size >>= 1)
        {
            _count--;
            MerkleTree.HashChildren(Slot(_count), carry, carry);
        }

        carry.CopyTo(Slot(_count));
        _count++;
        _size++;
    }

    /// <summary>Writes the root of the tree so far: <c>MTH</c> of RFC 9162 §2.1.1 (SHA-256 of nothing when empty).</summary>
    /// <param name="destination">At least 32 bytes.</param>
    public void Root(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, MerkleTree.HashSize, nameof(destination));
        if (_count == 0)
        {
            SHA256.HashData(ReadOnlySpan<byte>.Empty, destination);
            return;
        }

        Span<byte> r = stackalloc byte[MerkleTree.HashSize];
        Slot(_count - 1).CopyTo(r);
        for (int i = _count - 2; i >= 0; i--)
        {
            MerkleTree.HashChildren(Slot(i), r, r);
        }

        r.CopyTo(destination);
    }

    /// <summary>The root so far, as a new array.</summary>
    /// <returns>32 bytes.</returns>
    public byte[] Root()
    {
        byte[] root = new byte[MerkleTree.HashSize];
        Root(root);
        return root;
    }

    /// <summary>Forgets every leaf: the tree of the next file starts empty.</summary>
    public void Clear()
    {
        _count = 0;
        _size = 0;
    }

    /// <summary>Copies this tree's state into <paramref name="other"/>.</summary>
    /// <param name="other">The tree that becomes equal to this one.</param>
    public void CopyTo(MerkleFrontier other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _roots.AsSpan(0, _count * MerkleTree.HashSize).CopyTo(other._roots);
        other._count = _count;
        other._size = _size;
        System.Diagnostics.Debug.Assert(BitOperations.PopCount((ulong)_size) == _count, "One subtree per set bit of the size.");
    }

    private Span<byte> Slot(int index) => _roots.AsSpan(index * MerkleTree.HashSize, MerkleTree.HashSize);
}
