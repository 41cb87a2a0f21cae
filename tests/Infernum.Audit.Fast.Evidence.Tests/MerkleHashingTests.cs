using System;
using Infernum.Audit.Fast.Evidence.Merkle;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// The two ways <see cref="MerkleTree"/> hashes (OpenSSL's low-level SHA-256 on Linux, <c>IncrementalHash</c>
/// elsewhere) give the same RFC 9162 §2.1.1 leaf and node hashes, and the fast one is the one in use on Linux.
/// </summary>
public sealed class MerkleHashingTests
{
    [Fact]
    public void OpenSslSha256_IsInUse_OnLinux()
    {
        // .NET on Linux needs libcrypto itself, so the direct path must load; if it silently fell back, the evidence
        // sink would lose most of its throughput without any test noticing.
        Assert.Equal(OperatingSystem.IsLinux(), OpenSslSha256.IsAvailable);
    }

    [Fact]
    public void LeafHashes_AgreeWithIncrementalHash_AtEveryLengthAcrossBlockBoundaries()
    {
        Random random = new(9162);
        byte[] data = new byte[20_000];
        random.NextBytes(data);
        Span<byte> fast = stackalloc byte[MerkleTree.HashSize];
        Span<byte> portable = stackalloc byte[MerkleTree.HashSize];

        // Every length up to four blocks (each padding case), then long lines on both sides of the
        // GC-transition threshold and of the portable path's stack buffer.
        for (int length = 0; length <= 20_000; length = length < 300 ? length + 1 : length + 997)
        {
            MerkleTree.HashLeaf(data.AsSpan(0, length), fast);
            MerkleTree.HashLeafManaged(data.AsSpan(0, length), portable);
            Assert.True(fast.SequenceEqual(portable), $"leaf of {length} bytes");
        }
    }

    [Fact]
    public void NodeHashes_AgreeWithIncrementalHash_IncludingInPlace()
    {
        Random random = new(6962);
        byte[] left = new byte[MerkleTree.HashSize];
        byte[] right = new byte[MerkleTree.HashSize];
        Span<byte> fast = stackalloc byte[MerkleTree.HashSize];
        Span<byte> portable = stackalloc byte[MerkleTree.HashSize];
        for (int i = 0; i < 200; i++)
        {
            random.NextBytes(left);
            random.NextBytes(right);
            MerkleTree.HashChildren(left, right, fast);
            MerkleTree.HashChildrenManaged(left, right, portable);
            Assert.True(fast.SequenceEqual(portable), $"node {i}");

            // The frontier hashes into one of its inputs.
            byte[] inPlace = (byte[])right.Clone();
            MerkleTree.HashChildren(left, inPlace, inPlace);
            Assert.True(portable.SequenceEqual(inPlace), $"node {i} in place");
        }
    }
}
