using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Evidence.Merkle;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// RFC 9162 §2.1: the tree hash (§2.1.1), inclusion proofs (§2.1.3) and consistency proofs (§2.1.4) against vectors
/// worked from the definitions by TestData/make_vectors.py (an independent Python implementation), over the eight
/// leaves that RFC 6962 implementations use as test data.
/// </summary>
public sealed class MerkleTreeVectorTests
{
    private static readonly string[] s_leafData = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    // MTH(D[0:n]) for n = 1..8.
    private static readonly string[] s_roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<int, int, string[]> InclusionVectors => new()
    {
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 3, 7, ["0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"] },
    };

    public static TheoryData<int, int, string[]> ConsistencyVectors => new()
    {
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
        { 3, 7, ["0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7", "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"] },
        { 4, 8, ["6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
    };

    [Fact]
    public void EmptyTree_IsSha256OfNothing_Section2_1_1()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(MerkleTree.EmptyRoot()));
        Assert.Equal(MerkleTree.EmptyRoot(), new MerkleFrontier().Root());
        Assert.Equal(MerkleTree.EmptyRoot(), MerkleTree.Root([]));
    }

    [Fact]
    public void Roots_MatchTheDefinition_ForEverySize_Section2_1_1()
    {
        byte[] leaves = Leaves(8);
        MerkleFrontier frontier = new();
        for (int n = 1; n <= 8; n++)
        {
            frontier.Append(leaves.AsSpan((n - 1) * 32, 32));
            Assert.Equal(s_roots[n - 1], Convert.ToHexStringLower(MerkleTree.Root(leaves.AsSpan(0, n * 32))));
            Assert.Equal(s_roots[n - 1], Convert.ToHexStringLower(frontier.Root()));
        }
    }

    [Fact]
    public void AuditLines_AreLeavesWithoutTheirNewline()
    {
        MerkleFrontier frontier = new();
        Span<byte> leaf = stackalloc byte[32];
        foreach (string line in new[] { "{\"a\":1}", "{\"b\":2}", "{\"c\":3}" })
        {
            frontier.AppendData(Encoding.UTF8.GetBytes(line), leaf);
        }

        Assert.Equal("FaeAyGKD1CyME604W/lnlPK2G+zyLO/wjQJV4FUch48=", Convert.ToBase64String(frontier.Root()));
    }

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void InclusionProofs_MatchTheDefinition_AndVerify_Section2_1_3(int index, int size, string[] expected)
    {
        byte[] leaves = Leaves(size);
        IReadOnlyList<byte[]> proof = MerkleTree.InclusionProof(leaves, index, size);
        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        byte[] root = Convert.FromHexString(s_roots[size - 1]);
        Assert.True(MerkleTree.VerifyInclusion(index, size, leaves.AsSpan(index * 32, 32), proof, root));

        // Any other leaf, index, size, or any altered hash fails.
        Assert.False(MerkleTree.VerifyInclusion(index, size, leaves.AsSpan(((index + 1) % size) * 32, 32), proof, root));
        Assert.False(MerkleTree.VerifyInclusion(index ^ 1, size, leaves.AsSpan(index * 32, 32), proof, root));
        Assert.False(MerkleTree.VerifyInclusion(size, size, leaves.AsSpan(index * 32, 32), proof, root));
        Assert.False(MerkleTree.VerifyInclusion(index, size, leaves.AsSpan(index * 32, 32), proof.Take(proof.Count - 1).ToList(), root));
        for (int p = 0; p < proof.Count; p++)
        {
            List<byte[]> altered = proof.Select(h => (byte[])h.Clone()).ToList();
            altered[p][7] ^= 0x20;
            Assert.False(MerkleTree.VerifyInclusion(index, size, leaves.AsSpan(index * 32, 32), altered, root));
        }
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void ConsistencyProofs_MatchTheDefinition_AndVerify_Section2_1_4(int oldSize, int newSize, string[] expected)
    {
        byte[] leaves = Leaves(newSize);
        IReadOnlyList<byte[]> proof = MerkleTree.ConsistencyProof(leaves, oldSize, newSize);
        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        byte[] oldRoot = Convert.FromHexString(s_roots[oldSize - 1]);
        byte[] newRoot = Convert.FromHexString(s_roots[newSize - 1]);
        Assert.True(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, proof));
        Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, newRoot, oldRoot, proof));
        Assert.False(MerkleTree.VerifyConsistency(oldSize + 1, newSize, oldRoot, newRoot, proof));
        for (int p = 0; p < proof.Count; p++)
        {
            List<byte[]> altered = proof.Select(h => (byte[])h.Clone()).ToList();
            altered[p][0] ^= 1;
            Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, altered));
        }
    }

    [Fact]
    public void EveryProof_OfEveryPair_Verifies_UpTo70Leaves()
    {
        byte[] leaves = new byte[70 * 32];
        for (int i = 0; i < 70; i++)
        {
            MerkleTree.HashLeaf(Encoding.UTF8.GetBytes("line " + i), leaves.AsSpan(i * 32, 32));
        }

        MerkleFrontier frontier = new();
        List<byte[]> roots = [];
        for (int n = 1; n <= 70; n++)
        {
            frontier.Append(leaves.AsSpan((n - 1) * 32, 32));
            roots.Add(frontier.Root());
            Assert.Equal(MerkleTree.Root(leaves.AsSpan(0, n * 32)), roots[^1]);
        }

        for (int n = 1; n <= 70; n++)
        {
            for (int m = 0; m < n; m++)
            {
                Assert.True(MerkleTree.VerifyInclusion(m, n, leaves.AsSpan(m * 32, 32), MerkleTree.InclusionProof(leaves, m, n), roots[n - 1]));
                if (m > 0)
                {
                    Assert.True(MerkleTree.VerifyConsistency(m, n, roots[m - 1], roots[n - 1], MerkleTree.ConsistencyProof(leaves, m, n)));
                    Assert.False(MerkleTree.VerifyConsistency(m, n, roots[m % (n - 1)] == roots[m - 1] ? roots[^1] : roots[m % (n - 1)], roots[n - 1], MerkleTree.ConsistencyProof(leaves, m, n)));
                }
            }
        }
    }

    private static byte[] Leaves(int count)
    {
        byte[] leaves = new byte[count * 32];
        for (int i = 0; i < count; i++)
        {
            MerkleTree.HashLeaf(Convert.FromHexString(s_leafData[i]), leaves.AsSpan(i * 32, 32));
        }

        return leaves;
    }
}
