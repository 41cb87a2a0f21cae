using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>The evidence sink: checkpoints by count, by time and at close; reopening, rolling, crash repair, key rotation.</summary>
public sealed class EvidenceSinkTests : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/sink-test", 7);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void ClosedFile_HasACheckpointEveryNLines_AndAClosingOne_AndVerifies()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        ConcurrentQueue<AuditCheckpoint> shipped = new();
        EvidenceFiles.Log(path, _key, 10_000, checkpointLines: 1000, onCheckpoint: shipped.Enqueue);

        List<string> lines = EvidenceFiles.Lines(path);
        List<string> checkpoints = lines.Where(l => l.Contains("\"event_type\":\"audit_checkpoint\"", StringComparison.Ordinal)).ToList();
        Assert.StartsWith("{\"timestamp\":\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"event_type\":\"audit_evidence_start\"", lines[0], StringComparison.Ordinal);
        Assert.InRange(checkpoints.Count, 6, 12); // one after the batch that reaches 1,000 lines, plus the closing one
        Assert.Equal(checkpoints[^1], lines[^1]);
        Assert.Equal(10_000 + 1 + checkpoints.Count, lines.Count);

        // Each shipped note is a C2SP checkpoint signed by the key, for the size it says, the last one closing the file.
        Assert.Equal(checkpoints.Count, shipped.Count);
        AuditCheckpoint last = shipped.Last();
        Assert.True(SignedNote.Parse(last.Note).IsSignedBy(_key.VerifierKey));
        Assert.True(last.Checkpoint.IsClosed);
        Assert.Equal(lines.Count - 1, last.Checkpoint.Size);
        Assert.All(shipped.SkipLast(1), c => Assert.False(c.Checkpoint.IsClosed));

        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.Null(report.Failure);
        Assert.Equal(checkpoints.Count, report.Checkpoints);
        Assert.Equal(lines.Count, report.Lines);
    }

    [Fact]
    public void IdleTail_IsCheckpointed_WithinTheInterval_WithoutMoreLines()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointInterval = TimeSpan.FromMilliseconds(200) };
        using AuditLogger logger = new(AuditEvidence.ToFile(path, null, options));
        for (int i = 0; i < 5; i++)
        {
            logger.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-idle-tail-key", "/v1/models");
        }

        logger.Flush();
        Stopwatch waited = Stopwatch.StartNew();
        string? checkpoint = null;
        while (checkpoint is null && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
            checkpoint = EvidenceFiles.Lines(path).FirstOrDefault(l => l.Contains("audit_checkpoint", StringComparison.Ordinal));
        }

        Assert.NotNull(checkpoint);
        List<string> lines = EvidenceFiles.Lines(path);
        Assert.Equal(7, lines.Count); // start line, five events, the checkpoint covering all six before it
        Assert.Contains("\\n6\\n", lines[6], StringComparison.Ordinal);
        EvidenceReport live = AuditVerifier.Verify(AuditEvidence.RolledSet(path), new AuditVerifierOptions { Keys = [_key.VerifierKey], Live = true });
        Assert.Null(live.Failure);
    }

    [Fact]
    public void Reopen_ContinuesTheTreeAndTheSequence()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 300, checkpointLines: 100);
        EvidenceFiles.Log(path, _key, 300, checkpointLines: 100, start: 300);

        List<string> lines = EvidenceFiles.Lines(path);
        Assert.Single(lines, l => l.Contains("audit_evidence_start", StringComparison.Ordinal));
        List<long> seqs = lines.Select(l => EvidenceLine.Sequence(System.Text.Encoding.UTF8.GetBytes(l))).Where(s => s > 0).ToList();
        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), seqs);
        Assert.Null(EvidenceFiles.Verify(path, _key.VerifierKey).Failure);
    }

    [Fact]
    public void Roll_ClosesEachFile_AndTheNextCommitsToItsLastCheckpoint()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 3000, new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 50 }, checkpointLines: 200);

        IReadOnlyList<string> set = AuditEvidence.RolledSet(path);
        Assert.True(set.Count >= 5, $"{set.Count} files");
        for (int f = 1; f < set.Count; f++)
        {
            string closing = EvidenceFiles.Lines(set[f - 1])[^1];
            Assert.True(EvidenceLine.TryGetString(System.Text.Encoding.UTF8.GetBytes(closing), "note", out string note));
            Assert.True(Checkpoint.Parse(SignedNote.Parse(note).Text).IsClosed);
            string start = EvidenceFiles.Lines(set[f])[0];
            Assert.True(EvidenceLine.TryGetString(System.Text.Encoding.UTF8.GetBytes(start), "previous", out string previous));
            Assert.Equal(note, previous);
        }

        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.Null(report.Failure);
        Assert.Equal(3000, EvidenceFiles.Lines(path).Count + set.SkipLast(1).Sum(f => EvidenceFiles.Lines(f).Count) - set.Sum(f => EvidenceFiles.Lines(f).Count(l => l.Contains("\"event_type\":\"audit_", StringComparison.Ordinal))));
    }

    [Fact]
    public void RollThatCannotRename_FailsTheBatch_AndTheRetryAfterTheFaultRollsOnce()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        string blocker = Path.Combine(_folder, "audit.1.jsonl");
        Directory.CreateDirectory(blocker); // the rename target is a folder: File.Move fails for real
        byte[] batch = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 100).Select(i =>
            "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"req-" + i + "-padding-to-make-the-line-longer\"}\n")));
        using (AuditSink sink = AuditEvidence.ToFile(path, new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 5 }, new AuditEvidenceOptions { SigningKey = _key, CheckpointLines = 150 }))
        {
            int written = 0;
            IOException? failure = null;
            while (failure is null && written < 100)
            {
                try
                {
                    sink.Write(batch);
                    written++;
                }
                catch (IOException e)
                {
                    failure = e;
                }
            }

            Assert.NotNull(failure);
            Assert.Throws<IOException>(() => sink.Write(batch)); // the logger's retry, while the fault lasts
            Directory.Delete(blocker);
            sink.Write(batch); // the retry after it: rolls
            sink.Write(batch);
        }

        IReadOnlyList<string> set = AuditEvidence.RolledSet(path);
        Assert.Equal(2, set.Count);
        Assert.Single(EvidenceFiles.Lines(set[0]), l => l.Contains("infernum-audit closed", StringComparison.Ordinal));
        Assert.Null(EvidenceFiles.Verify(path, _key.VerifierKey).Failure);
    }

    [Fact]
    public void CrashRepair_IsRecorded_AndAnHonestCrashVerifiesClean()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 2500, checkpointLines: 1000);
        EvidenceFiles.CrashBeforeClose(path, "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"torn\"}\n");

        // Before the reopen: a live reading names the torn tail; a closed reading calls the file truncated.
        EvidenceReport live = AuditVerifier.Verify(AuditEvidence.RolledSet(path), new AuditVerifierOptions { Keys = [_key.VerifierKey], Live = true });
        Assert.Null(live.Failure);
        Assert.Contains(live.Notices, n => n.Contains("unterminated", StringComparison.Ordinal));
        Assert.Equal(EvidenceFailureKind.Truncated, EvidenceFiles.Verify(path, _key.VerifierKey).Failure?.Kind);

        long repaired = 0;
        EvidenceFiles.Log(path, _key, 100, new AuditFileOptions { OnRepaired = (_, bytes) => repaired = bytes }, start: 2500);
        Assert.True(repaired > 0);
        List<string> lines = EvidenceFiles.Lines(path);
        Assert.Single(lines, l => l.Contains("\"event_type\":\"audit_tail_repaired\",\"bytes\":" + repaired + "}", StringComparison.Ordinal));

        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.Null(report.Failure);
        Assert.Contains(report.Notices, n => n.Contains("crash", StringComparison.Ordinal));
    }

    [Fact]
    public void KeyRotation_IsRecorded_AndTheVerifierFollowsIt()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        using NoteSigningKey next = EvidenceFiles.Key("audit.example/sink-test-2027", 9);
        EvidenceFiles.Log(path, _key, 500, checkpointLines: 100);
        EvidenceFiles.Log(path, next, 500, checkpointLines: 100, start: 500);

        List<string> lines = EvidenceFiles.Lines(path);
        int rotation = lines.FindIndex(l => l.Contains("audit_key_rotated", StringComparison.Ordinal));
        Assert.True(rotation > 0);
        Assert.Contains(next.VerifierKey.ToString(), lines[rotation], StringComparison.Ordinal);

        Assert.Null(EvidenceFiles.Verify(path, _key.VerifierKey, next.VerifierKey).Failure);
        EvidenceFailure? unpinned = EvidenceFiles.Verify(path, _key.VerifierKey).Failure;
        Assert.Equal(EvidenceFailureKind.UnknownKey, unpinned?.Kind);
        Assert.Equal(rotation + 1, unpinned?.Line);
    }

    [Fact]
    public void ClosingCheckpoint_RightAfterACountCheckpoint_CutOff_IsCaughtByTheShippedOne()
    {
        // A batch that ends exactly on the count writes a checkpoint; closing then writes the closing one right after
        // it. Cutting that last line leaves every signed line and a file that ends on a valid checkpoint.
        string path = Path.Combine(_folder, "audit.jsonl");
        ConcurrentQueue<AuditCheckpoint> shipped = new();
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 10, CheckpointInterval = TimeSpan.FromHours(1), OnCheckpoint = shipped.Enqueue };
        using (AuditSink sink = AuditEvidence.ToFile(path, null, options))
        {
            sink.Write(System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 9).Select(i =>
                "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"seq\":" + i + "}\n"))));
        }

        List<string> lines = EvidenceFiles.Lines(path);
        Assert.Equal(12, lines.Count); // start, 9 events, the count checkpoint, the closing one
        Assert.Equal([10L, 11L], shipped.Select(c => c.Checkpoint.Size));
        File.WriteAllText(path, string.Join('\n', lines.Take(11)) + "\n");

        AuditVerifierOptions live = new() { Keys = [_key.VerifierKey], Live = true };
        Assert.Null(AuditVerifier.Verify(AuditEvidence.RolledSet(path), live).Failure);
        EvidenceFailure? failure = AuditVerifier.Verify(AuditEvidence.RolledSet(path), live with { ExternalCheckpoints = [shipped.Last().Note] }).Failure;
        Assert.Equal(EvidenceFailureKind.Truncated, failure?.Kind);
        Assert.Equal(12, failure?.Line);
    }

    [Fact]
    public void WriterThread_AllocatesNothing_PerBatch_CheckpointsIncluded_OnceWarm()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        using AuditSink sink = AuditEvidence.ToFile(path, null, new AuditEvidenceOptions { SigningKey = _key, CheckpointLines = 100 });
        byte[] batch = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 50).Select(i =>
            "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"req-" + i + "\",\"seq\":" + (i + 1) + "}\n")));
        for (int i = 0; i < 200; i++)
        {
            sink.Write(batch);
            sink.Flush();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            sink.Write(batch); // 50 lines: a checkpoint every second batch
            sink.Flush();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(EvidenceFiles.Lines(path).Count(l => l.Contains("audit_checkpoint", StringComparison.Ordinal)) >= 200);
    }

    [Fact]
    public void Caller_AllocatesNothing_WithEvidenceOn()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 64 };
        using AuditLogger logger = new(AuditEvidence.ToFile(path, null, options));
        for (int i = 0; i < 2000; i++)
        {
            logger.AuthSuccess("req-warm", "10.0.0.1", "sk-inf-allocation-key", "/v1/chat/completions");
        }

        logger.Flush();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++)
        {
            logger.AuthSuccess("req-measured", "10.0.0.1", "sk-inf-allocation-key", "/v1/chat/completions");
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
