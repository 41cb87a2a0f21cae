using System;
using System.Collections.Concurrent;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Evidence.Merkle;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Tool;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary><c>infernum-audit verify</c>, <c>prove</c> and <c>consistency</c> on real files, through the tool's own parser.</summary>
public sealed class ToolTests : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/tool-test", 11);
    private readonly string _path;
    private readonly ConcurrentQueue<AuditCheckpoint> _shipped = new();

    public ToolTests()
    {
        _path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(_path, _key, 4000, new AuditFileOptions { MaxFileBytes = 256 * 1024, RetainedFiles = 20 }, checkpointLines: 500, onCheckpoint: _shipped.Enqueue);
    }

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Verify_UntouchedSet_ExitsZero()
    {
        (int code, string output, _) = Run("verify", _path, "--key", _key.VerifierKey.ToString());
        Assert.Equal(0, code);
        Assert.StartsWith("OK ", output.Split('\n').Last(l => l.Length > 0), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NamesTheChangedLine_AndExitsOne()
    {
        string[] lines = File.ReadAllLines(_path);
        lines[100] = lines[100].Replace("req-", "reX-", StringComparison.Ordinal);
        File.WriteAllText(_path, string.Join('\n', lines) + "\n");
        (int code, string output, _) = Run("verify", _path, "--key", _key.VerifierKey.ToString());
        Assert.Equal(1, code);
        Assert.Contains($"FAILED {_path}:101: changed:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_UnpinnedKey_IsUnknownKey_AndNoKey_IsUnusable()
    {
        using NoteSigningKey other = EvidenceFiles.Key("audit.example/tool-test", 12);
        (int code, string output, _) = Run("verify", _path, "--key", other.VerifierKey.ToString());
        Assert.Equal(1, code);
        Assert.Contains(": unknown-key:", output, StringComparison.Ordinal);

        (int none, _, string error) = Run("verify", _path);
        Assert.Equal(2, none);
        Assert.Contains("pin at least one", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_LiveFileCutAfterACheckpoint_IsCaught_OnlyWithTheShippedCheckpoint()
    {
        // Cut the newest file just after its last checkpoint but one: it still ends on a valid checkpoint.
        string[] lines = File.ReadAllLines(_path);
        int cut = Array.FindLastIndex(lines, lines.Length - 2, l => l.Contains("\"event_type\":\"audit_checkpoint\"", StringComparison.Ordinal)) + 1;
        File.WriteAllText(_path, string.Join('\n', lines.Take(cut)) + "\n");
        string note = Path.Combine(_folder, "shipped.note");
        File.WriteAllText(note, _shipped.Last().Note);

        Assert.Equal(0, Run("verify", _path, "--key", _key.VerifierKey.ToString(), "--live").Code);
        (int code, string output, _) = Run("verify", _path, "--key", _key.VerifierKey.ToString(), "--live", "--checkpoint", note);
        Assert.Equal(1, code);
        Assert.Contains($"FAILED {_path}:{cut + 1}: truncated:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Prove_PrintsAnInclusionProof_ThatVerifiesAgainstTheSignedRoot()
    {
        (int code, string output, string error) = Run("prove", _path, "1234", "--key", _key.VerifierKey.ToString());
        Assert.True(code == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string Field(string name) => lines.Single(l => l.StartsWith(name + ": ", StringComparison.Ordinal))[(name.Length + 2)..];
        long index = long.Parse(Field("leaf index"), System.Globalization.CultureInfo.InvariantCulture);
        long size = long.Parse(Field("tree size"), System.Globalization.CultureInfo.InvariantCulture);
        byte[] leaf = Convert.FromBase64String(Field("leaf hash"));
        byte[] root = Convert.FromBase64String(Field("root hash"));
        byte[][] proof = lines.SkipWhile(l => !l.StartsWith("inclusion proof", StringComparison.Ordinal)).Skip(1).Select(l => Convert.FromBase64String(l.Trim())).ToArray();
        Assert.Equal("valid", Field("signature"));

        // The printed line is the one with seq 1234, and the proof leads from its hash to the signed root.
        string file = Field("file");
        string line = File.ReadAllLines(file)[index];
        Assert.EndsWith(",\"seq\":1234}", line, StringComparison.Ordinal);
        Assert.Equal(MerkleTree.HashLeaf(Encoding.UTF8.GetBytes(line)), leaf);
        Assert.True(MerkleTree.VerifyInclusion(index, size, leaf, proof, root));
        Assert.Contains(_shipped, c => c.Checkpoint.Size == size && c.Checkpoint.RootHash.AsSpan().SequenceEqual(root));
    }

    [Fact]
    public void Consistency_BetweenTwoShippedCheckpoints_Verifies()
    {
        AuditCheckpoint[] ofNewest = _shipped.Where(c => c.Checkpoint.Origin == _shipped.Last().Checkpoint.Origin).ToArray();
        Assert.True(ofNewest.Length >= 2);
        string older = Path.Combine(_folder, "older.note");
        string newer = Path.Combine(_folder, "newer.note");
        File.WriteAllText(older, ofNewest[0].Note);
        File.WriteAllText(newer, ofNewest[^1].Note);

        (int code, string output, string error) = Run("consistency", _path, older, newer);
        Assert.True(code == 0, error);
        byte[][] proof = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).SkipWhile(l => !l.StartsWith("consistency proof", StringComparison.Ordinal)).Skip(1)
            .Select(l => Convert.FromBase64String(l.Trim())).ToArray();
        Assert.True(MerkleTree.VerifyConsistency(ofNewest[0].Checkpoint.Size, ofNewest[^1].Checkpoint.Size, ofNewest[0].Checkpoint.RootHash, ofNewest[^1].Checkpoint.RootHash, proof));
    }

    internal static (int Code, string Output, string Error) Run(params string[] args)
    {
        StringWriter output = new();
        StringWriter error = new();
        int code = Program.CreateRootCommand().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
