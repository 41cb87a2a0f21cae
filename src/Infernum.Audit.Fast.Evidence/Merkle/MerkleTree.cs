using System;
using System.Collections.Generic;
using System.Numerics;
using System.Security.Cryptography;

namespace Infernum.Audit.Fast.Evidence.Merkle;

/// <summary>
/// The Merkle Tree Hash of RFC 9162 §2.1 over SHA-256: leaf and node hashing (§2.1.1), inclusion proofs (§2.1.3) and
/// consistency proofs (§2.1.4), their generation and their verification.
/// </summary>
/// <remarks>
/// Leaf hashes are passed as one span of <c>n × 32</c> bytes (leaf <c>i</c> at <c>[32 i, 32 i + 32)</c>), so a tree of
/// a hundred thousand lines is one array, not a hundred thousand.
/// </remarks>
public static class MerkleTree
{
    /// <summary>Bytes of a SHA-256 hash: 32.</summary>
    public const int HashSize = 32;

    private const int StackLeafBytes = 1024;

    // One SHA-256 context per thread, reset after each hash: a one-shot hash sets up and frees a context every call,
    // which costs more than hashing a 65-byte node (about half the time of a node in quick runs on Linux/OpenSSL).
    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    private static IncrementalHash Sha256 => t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>The root of the empty tree, <c>SHA-256()</c> (RFC 9162 §2.1.1).</summary>
    /// <returns>A new 32-byte array.</returns>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>The leaf hash <c>SHA-256(0x00 ‖ data)</c> of RFC 9162 §2.1.1.</summary>
    /// <param name="data">The leaf's bytes: for an audit file, one line without its <c>\n</c>.</param>
    /// <param name="destination">At least 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public static void HashLeaf(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize, nameof(destination));
        if (OpenSslSha256.IsAvailable)
        {
            OpenSslSha256.Hash(0x00, data, destination);
            return;
        }

        HashLeafManaged(data, destination);
    }

    // The portable leaf hash (and the reference the OpenSSL path is tested against).
    internal static void HashLeafManaged(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        IncrementalHash sha256 = Sha256;
        if (data.Length < StackLeafBytes)
        {
            // One update of exactly 1 + n bytes: a second update costs more than the copy, and a fixed 1 KiB buffer
            // costs its zeroing on every line.
            Span<byte> buffer = stackalloc byte[data.Length + 1];
            buffer[0] = 0x00;
            data.CopyTo(buffer[1..]);
            sha256.AppendData(buffer);
        }
        else
        {
            sha256.AppendData([0x00]);
            sha256.AppendData(data);
        }

        sha256.GetHashAndReset(destination);
    }

    /// <summary>The leaf hash of RFC 9162 §2.1.1, as a new array.</summary>
    /// <param name="data">The leaf's bytes.</param>
    /// <returns>32 bytes.</returns>
    public static byte[] HashLeaf(ReadOnlySpan<byte> data)
    {
        byte[] hash = new byte[HashSize];
        HashLeaf(data, hash);
        return hash;
    }

    /// <summary>The interior node hash <c>SHA-256(0x01 ‖ left ‖ right)</c> of RFC 9162 §2.1.1.</summary>
    /// <param name="left">The left child's 32-byte hash.</param>
    /// <param name="right">The right child's 32-byte hash.</param>
    /// <param name="destination">At least 32 bytes; may overlap either input.</param>
    /// <exception cref="ArgumentException">An input is not 32 bytes, or <paramref name="destination"/> is shorter.</exception>
    public static void HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(left.Length, HashSize, nameof(left));
        ArgumentOutOfRangeException.ThrowIfNotEqual(right.Length, HashSize, nameof(right));
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize, nameof(destination));
        if (OpenSslSha256.IsAvailable)
        {
            OpenSslSha256.Hash(0x01, left, right, destination);
            return;
        }

        HashChildrenManaged(left, right, destination);
    }

    // The portable node hash (and the reference the OpenSSL path is tested against).
    internal static void HashChildrenManaged(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> node = stackalloc byte[1 + (2 * HashSize)];
        node[0] = 0x01;
        left.CopyTo(node[1..]);
        right.CopyTo(node[(1 + HashSize)..]);
        IncrementalHash sha256 = Sha256;
        sha256.AppendData(node);
        sha256.GetHashAndReset(destination);
    }

    /// <summary>The Merkle Tree Hash <c>MTH(D[n])</c> of RFC 9162 §2.1.1 over leaf hashes already computed.</summary>
    /// <param name="leafHashes"><c>n × 32</c> bytes: the leaf hashes in order.</param>
    /// <returns>The 32-byte root; <see cref="EmptyRoot"/> when <c>n = 0</c>.</returns>
    /// <exception cref="ArgumentException">The length is not a multiple of 32.</exception>
    public static byte[] Root(ReadOnlySpan<byte> leafHashes)
    {
        int count = Count(leafHashes);
        if (count == 0)
        {
            return EmptyRoot();
        }

        byte[] root = new byte[HashSize];
        Subtree(leafHashes, 0, count, root);
        return root;
    }

    /// <summary>
    /// The inclusion proof <c>PATH(m, D[n])</c> of RFC 9162 §2.1.3.1: the sibling hashes from leaf <paramref name="index"/>
    /// up to the root of the first <paramref name="size"/> leaves.
    /// </summary>
    /// <param name="leafHashes">At least <paramref name="size"/> leaf hashes (32 bytes each).</param>
    /// <param name="index">The leaf, 0 ≤ index &lt; size.</param>
    /// <param name="size">The tree size the proof is for; at most the number of leaf hashes.</param>
    /// <returns>The proof's hashes, leaf level first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> or <paramref name="size"/> is out of range.</exception>
    public static IReadOnlyList<byte[]> InclusionProof(ReadOnlySpan<byte> leafHashes, long index, long size)
    {
        CheckSize(leafHashes, size);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        List<byte[]> proof = new();
        Path(leafHashes, (int)index, 0, (int)size, proof);
        return proof;
    }

    /// <summary>
    /// Checks an inclusion proof by the algorithm of RFC 9162 §2.1.3.2.
    /// </summary>
    /// <param name="index">The leaf's index.</param>
    /// <param name="size">The tree size.</param>
    /// <param name="leafHash">The leaf's 32-byte hash.</param>
    /// <param name="proof">The proof, leaf level first.</param>
    /// <param name="root">The 32-byte root of the tree of <paramref name="size"/> leaves.</param>
    /// <returns><see langword="true"/> when the proof leads from the leaf to the root.</returns>
    public static bool VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (index < 0 || index >= size || leafHash.Length != HashSize || root.Length != HashSize)
        {
            return false;
        }

        long fn = index;
        long sn = size - 1;
        Span<byte> r = stackalloc byte[HashSize];
        leafHash.CopyTo(r);
        foreach (byte[] p in proof)
        {
            if (sn == 0 || p.Length != HashSize)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                HashChildren(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                HashChildren(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.SequenceEqual(root);
    }

    /// <summary>
    /// The consistency proof <c>PROOF(m, D[n])</c> of RFC 9162 §2.1.4.1 between the tree of the first
    /// <paramref name="oldSize"/> leaves and the tree of the first <paramref name="newSize"/>.
    /// </summary>
    /// <param name="leafHashes">At least <paramref name="newSize"/> leaf hashes (32 bytes each).</param>
    /// <param name="oldSize">The earlier size, 0 ≤ oldSize ≤ newSize; 0 and equal sizes give an empty proof.</param>
    /// <param name="newSize">The later size.</param>
    /// <returns>The proof's hashes.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public static IReadOnlyList<byte[]> ConsistencyProof(ReadOnlySpan<byte> leafHashes, long oldSize, long newSize)
    {
        CheckSize(leafHashes, newSize);
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        List<byte[]> proof = new();
        if (oldSize > 0 && oldSize < newSize)
        {
            SubProof(leafHashes, (int)oldSize, 0, (int)newSize, complete: true, proof);
        }

        return proof;
    }

    /// <summary>Checks a consistency proof by the algorithm of RFC 9162 §2.1.4.2.</summary>
    /// <param name="oldSize">The earlier tree size.</param>
    /// <param name="newSize">The later tree size.</param>
    /// <param name="oldRoot">The earlier tree's 32-byte root.</param>
    /// <param name="newRoot">The later tree's 32-byte root.</param>
    /// <param name="proof">The proof.</param>
    /// <returns><see langword="true"/> when the later tree extends the earlier one.</returns>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (oldSize < 0 || oldSize > newSize || oldRoot.Length != HashSize || newRoot.Length != HashSize)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && oldRoot.SequenceEqual(newRoot);
        }

        if (oldSize == 0)
        {
            // Every tree extends the empty one; RFC 9162 defines no proof for it.
            return proof.Count == 0;
        }

        List<byte[]> path = new(proof.Count + 1);
        if (BitOperations.IsPow2(oldSize))
        {
            path.Add(oldRoot.ToArray());
        }

        path.AddRange(proof);
        if (path.Count == 0 || path[0].Length != HashSize)
        {
            return false;
        }

        long fn = oldSize - 1;
        long sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        Span<byte> fr = stackalloc byte[HashSize];
        Span<byte> sr = stackalloc byte[HashSize];
        path[0].CopyTo(fr);
        path[0].CopyTo(sr);
        for (int i = 1; i < path.Count; i++)
        {
            byte[] c = path[i];
            if (sn == 0 || c.Length != HashSize)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                HashChildren(c, fr, fr);
                HashChildren(c, sr, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                HashChildren(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.SequenceEqual(oldRoot) && sr.SequenceEqual(newRoot);
    }

    private static int Count(ReadOnlySpan<byte> leafHashes)
    {
        if (leafHashes.Length % HashSize != 0)
        {
            throw new ArgumentException("Leaf hashes must be a whole number of 32-byte hashes.", nameof(leafHashes));
        }

        return leafHashes.Length / HashSize;
    }

    private static void CheckSize(ReadOnlySpan<byte> leafHashes, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Count(leafHashes), nameof(size));
    }

    // The largest power of two smaller than n (n > 1): RFC 9162's k.
    private static int Split(int n) => (int)BitOperations.RoundUpToPowerOf2((uint)n) >> 1;

    // MTH(D[start : start + count]).
    private static void Subtree(ReadOnlySpan<byte> leaves, int start, int count, Span<byte> destination)
    {
        if (count == 1)
        {
            leaves.Slice(start * HashSize, HashSize).CopyTo(destination);
            return;
        }

        int k = Split(count);
        Span<byte> left = stackalloc byte[HashSize];
        Span<byte> right = stackalloc byte[HashSize];
        Subtree(leaves, start, k, left);
        Subtree(leaves, start + k, count - k, right);
        HashChildren(left, right, destination);
    }

    private static byte[] SubtreeArray(ReadOnlySpan<byte> leaves, int start, int count)
    {
        byte[] hash = new byte[HashSize];
        Subtree(leaves, start, count, hash);
        return hash;
    }

    // PATH(m, D[start : start + count]), appended leaf level first.
    private static void Path(ReadOnlySpan<byte> leaves, int m, int start, int count, List<byte[]> proof)
    {
        if (count <= 1)
        {
            return;
        }

        int k = Split(count);
        if (m < k)
        {
            Path(leaves, m, start, k, proof);
            proof.Add(SubtreeArray(leaves, start + k, count - k));
        }
        else
        {
            Path(leaves, m - k, start + k, count - k, proof);
            proof.Add(SubtreeArray(leaves, start, k));
        }
    }

    // SUBPROOF(m, D[start : start + count], b).
    private static void SubProof(ReadOnlySpan<byte> leaves, int m, int start, int count, bool complete, List<byte[]> proof)
    {
        if (m == count)
        {
            if (!complete)
            {
                proof.Add(SubtreeArray(leaves, start, count));
            }

            return;
        }

        int k = Split(count);
        if (m <= k)
        {
            SubProof(leaves, m, start, k, complete, proof);
            proof.Add(SubtreeArray(leaves, start + k, count - k));
        }
        else
        {
            SubProof(leaves, m - k, start + k, count - k, complete: false, proof);
            proof.Add(SubtreeArray(leaves, start, k));
        }
    }
}
