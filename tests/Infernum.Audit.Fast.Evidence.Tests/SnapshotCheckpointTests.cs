using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// Checkpoints written while the hashing thread is behind the writer: they sign the tree as far as it was hashed (a
/// prefix of the lines before them) instead of making the writer wait, and the next checkpoint signs the rest.
/// </summary>
public sealed class SnapshotCheckpointTests : IDisposable
{
    private const int LinesPerBatch = 256;

    // A checkpoint every four batches: the backlog then grows past what a checkpoint waits for.
    private const int CheckpointLines = 4 * LinesPerBatch;

    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/snapshot-test", 9);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void HashingBehind_CheckpointsSignWhatWasHashed_EachSignsMore_AndTheClosingOneSignsAll()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        WriteFast(path, batches: 200);

        List<(int Index, long From, long Size, bool Closed)> checkpoints = Checkpoints(path);
        Assert.True(checkpoints.Count >= 20, $"{checkpoints.Count} checkpoints");

        // Writing 64 KiB takes a fraction of hashing it: some checkpoints stand after lines they do not sign.
        Assert.Contains(checkpoints, c => c.Size < c.Index);
        long signed = 0;
        foreach ((int index, long from, long size, bool closed) in checkpoints)
        {
            Assert.Equal(signed, from); // leaf_prefixes start where the checkpoint before stopped
            Assert.InRange(size, signed + 1, index);
            Assert.Equal(closed, index == checkpoints[^1].Index);
            signed = size;
        }

        Assert.Equal(checkpoints[^1].Index, checkpoints[^1].Size);
        Assert.Null(EvidenceFiles.Verify(path, _key.VerifierKey).Failure);
    }

    [Fact]
    public void ALineAfterWhatACheckpointSigns_Changed_IsNamedByTheNextCheckpoint()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        WriteFast(path, batches: 100);
        (int index, _, long size, _) = Checkpoints(path).First(c => c.Size < c.Index - 1);

        // Line `size` (0-based) stands before the checkpoint line but is not signed by it.
        List<string> lines = EvidenceFiles.Lines(path);
        lines[(int)size] = lines[(int)size].Replace("\"seq\":", "\"seq\": ", StringComparison.Ordinal);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");

        EvidenceFailure? failure = EvidenceFiles.Verify(path, _key.VerifierKey).Failure;
        Assert.True(size < index);
        Assert.Equal(EvidenceFailureKind.Changed, failure?.Kind);
        Assert.Equal(size + 1, failure?.Line);
    }

    [Fact]
    public void ACheckpointThatSignsNoMoreThanTheOneBefore_IsAReplay()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        WriteFast(path, batches: 60);
        List<(int Index, long From, long Size, bool Closed)> checkpoints = Checkpoints(path);
        (int Index, long From, long Size, bool Closed) second = checkpoints[1];

        // The first checkpoint's line in place of the second: validly signed, for this file, but for fewer lines.
        List<string> lines = EvidenceFiles.Lines(path);
        lines[second.Index] = lines[checkpoints[0].Index];
        File.WriteAllText(path, string.Join('\n', lines) + "\n");

        EvidenceFailure? failure = EvidenceFiles.Verify(path, _key.VerifierKey).Failure;
        Assert.Equal(EvidenceFailureKind.CheckpointReplayed, failure?.Kind);
        Assert.Equal(second.Index + 1, failure?.Line);
    }

    [Fact]
    public void CrashAfterASnapshotCheckpoint_Reopened_GoesOnFromWhatItSigned_AndVerifiesClean()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        WriteFast(path, batches: 60);

        // A crash a few lines after a checkpoint that signed a snapshot: nothing after those lines reached the file,
        // and the last line is torn.
        (int Index, long From, long Size, bool Closed) last = Checkpoints(path).Last(c => c.Size < c.Index);
        List<string> lines = EvidenceFiles.Lines(path);
        File.WriteAllText(path, string.Join('\n', lines.Take(last.Index + 11)) + "\n");
        EvidenceFiles.CrashBeforeClose(path, "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"torn\"}\n");

        WriteFast(path, batches: 20, firstSeq: 1_000_000);
        List<(int Index, long From, long Size, bool Closed)> after = Checkpoints(path).Where(c => c.Index > last.Index).ToList();
        Assert.Equal(last.Size, after[0].From);

        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.Null(report.Failure);
        Assert.Contains(report.Notices, n => n.Contains("reopened after a crash", StringComparison.Ordinal));
    }

    [Fact]
    public void WriterThread_AllocatesNothing_WhenCheckpointsSignSnapshots_OnceWarm()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        using AuditSink sink = Lagging(AuditEvidence.ToFile(path, null, new AuditEvidenceOptions { SigningKey = _key, CheckpointLines = CheckpointLines, CheckpointInterval = TimeSpan.FromHours(1) }));
        byte[] batch = Batch(0);

        // Buffers grow to a high-water mark: the hand-over buffers to their bound (1 MiB of lines waiting), the
        // checkpoint's prefix and line buffers to the longest span a snapshot checkpoint covered so far, which depends
        // on how far behind hashing fell (a loaded machine lets it fall further later). Warm until a round of 100
        // batches allocates nothing (at most 30 rounds), then three more rounds must allocate nothing at all.
        for (int i = 0; i < 1000; i++)
        {
            sink.Write(batch);
        }

        for (int round = 0; round < 30 && AllocatedBy(() => WriteRound(sink, batch)) != 0; round++)
        {
        }

        Assert.Equal(0, AllocatedBy(() =>
        {
            WriteRound(sink, batch);
            WriteRound(sink, batch);
            WriteRound(sink, batch);
        }));
        sink.Dispose();
        Assert.Contains(Checkpoints(path), c => c.Size < c.Index);
    }

    private static void WriteRound(AuditSink sink, byte[] batch)
    {
        for (int i = 0; i < 100; i++)
        {
            sink.Write(batch);
        }
    }

    private static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>
    /// The evidence sink with its hashing thread slowed down (2 ms before each hand-over it takes): the writer runs far
    /// ahead of it however fast or loaded the machine is, so count checkpoints sign snapshots.
    /// </summary>
    internal static AuditSink Lagging(AuditSink sink)
    {
        ((EvidenceFileSink)sink).BeforeHashing = static () => System.Threading.Thread.Sleep(2);
        return sink;
    }

    // Writes batches of 256 lines (about 40 KiB) back to back, much faster than they hash.
    private void WriteFast(string path, int batches, long firstSeq = 1)
    {
        using AuditSink sink = Lagging(AuditEvidence.ToFile(path, null, new AuditEvidenceOptions { SigningKey = _key, CheckpointLines = CheckpointLines, CheckpointInterval = TimeSpan.FromHours(1) }));
        for (int b = 0; b < batches; b++)
        {
            sink.Write(Batch(firstSeq + ((long)b * LinesPerBatch)));
        }
    }

    internal static byte[] Batch(long firstSeq)
    {
        StringBuilder text = new();
        for (int i = 0; i < LinesPerBatch; i++)
        {
            text.Append("{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"req-")
                .Append(firstSeq + i).Append("\",\"client_ip\":\"10.1.2.3\",\"endpoint\":\"/v1/chat/completions\",\"seq\":")
                .Append(firstSeq + i).Append("}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    // Each checkpoint line: its 0-based index, its from, the size its note signs, and whether it closes the file.
    internal static List<(int Index, long From, long Size, bool Closed)> Checkpoints(string path)
        => Checkpoints(new AuditFileImage(path, File.ReadAllBytes(path)));

    internal static List<(int Index, long From, long Size, bool Closed)> Checkpoints(AuditFileImage file)
    {
        List<(int, long, long, bool)> found = new();
        for (int i = 0; i < file.Count; i++)
        {
            ReadOnlySpan<byte> line = file.Line(i);
            if (EvidenceLine.EventType(line) == EvidenceLine.Checkpoint
                && EvidenceLine.TryGetLong(line, "from", out long from) && EvidenceLine.TryGetString(line, "note", out string note))
            {
                Checkpoint checkpoint = Checkpoint.Parse(SignedNote.Parse(note).Text);
                found.Add((i, from, checkpoint.Size, checkpoint.IsClosed));
            }
        }

        return found;
    }
}
