using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Evidence.Merkle;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// Attacks on checkpoints that sign a snapshot (a prefix of the lines before them): edits to the lines between what
/// such a checkpoint signs and its own line, moving and deleting such checkpoints, cutting a live file against a shipped
/// one, and honest files written while hashing lags (rolls, renames, reopens, many producers).
/// </summary>
public sealed class AttackSnapshotTests : IDisposable
{
    private const int LinesPerBatch = 256;
    private const int CheckpointLines = 4 * LinesPerBatch;

    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/attack-snapshot", 18);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    // A shipped snapshot checkpoint signs N lines and stood as line L + 1 > N + 1. A live file cut to keep L lines (all
    // it signs, and more, but not its own line) lost that line: a cut tail the shipped checkpoint must show.
    [Fact]
    public void LiveFile_CutBetweenWhatAShippedSnapshotSignsAndItsOwnLine_IsTruncated()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        ConcurrentQueue<AuditCheckpoint> shipped = new();
        byte[] live = WriteFastLive(path, batches: 30, shipped.Enqueue);
        AuditFileImage whole = new(path, live);
        List<(int Index, long From, long Size, bool Closed)> checkpoints = SnapshotCheckpointTests.Checkpoints(whole);
        (int index, _, long size, _) = checkpoints.Last(c => c.Size < c.Index - 1);
        string note = shipped.Single(s => s.Checkpoint.Size == size).Note;

        // Untouched, the live file verifies against it.
        Assert.Null(VerifyLive(whole, note).Failure);

        // Cut right before the checkpoint's line, and one line after what it signs.
        foreach (int keep in new[] { index, (int)size + 1 })
        {
            EvidenceReport report = VerifyLive(ExternalCheckpointTests.Keep(whole, keep), note);
            Assert.Equal(EvidenceFailureKind.Truncated, report.Failure?.Kind);
            Assert.Equal(keep + 1L, report.Failure!.Line);
        }

        // The tool, given the shipped note in a file as `echo` leaves it: clean on the live file, truncated on the cut one.
        string notePath = Path.Combine(_folder, "shipped.note");
        File.WriteAllText(notePath, note + "\n");
        string copy = Path.Combine(_folder, "live.jsonl");
        File.WriteAllBytes(copy, live);
        Assert.Equal(0, ToolTests.Run("verify", copy, "--key", _key.VerifierKey.ToString(), "--live", "--checkpoint", notePath).Code);
        int end = 0;
        for (int k = 0; k < index; k++)
        {
            end += live.AsSpan(end).IndexOf((byte)'\n') + 1;
        }

        File.WriteAllBytes(copy, live[..end]);
        (int code, string output, _) = ToolTests.Run("verify", copy, "--key", _key.VerifierKey.ToString(), "--live", "--checkpoint", notePath);
        Assert.Equal(1, code);
        Assert.Contains($"live.jsonl:{index + 1}: truncated", output, StringComparison.Ordinal);
    }

    // Producers stop right after a checkpoint that signed a snapshot: the lines between what it signs and its line (up
    // to 1 MiB of them) must be signed within CheckpointInterval by the timer, as docs/evidence.md says, not left
    // unsigned until more lines come or the file is closed.
    [Fact]
    public void ProducersStop_RightAfterASnapshotCheckpoint_TheTimerSignsTheRest()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        using AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, Options() with { CheckpointLines = LinesPerBatch, CheckpointInterval = TimeSpan.FromMilliseconds(100) }));

        // 80 KiB a write, a checkpoint after each: the last one is a snapshot (more than 64 KiB was left to hash).
        for (int b = 0; b < 40; b += 2)
        {
            WriteTwo(sink, 1 + ((long)b * LinesPerBatch));
        }

        System.Threading.Thread.Sleep(1000);
        sink.Flush();
        AuditFileImage file = new(path, ReadShared(path));
        List<(int Index, long From, long Size, bool Closed)> checkpoints = SnapshotCheckpointTests.Checkpoints(file);
        Assert.Contains(checkpoints, c => c.Size < c.Index);
        Assert.Equal(file.Count - 1, checkpoints[^1].Index);
        Assert.True(checkpoints[^1].Size == checkpoints[^1].Index, $"the last checkpoint signs {checkpoints[^1].Size} of the {checkpoints[^1].Index} lines before it, a second after the last line");
        EvidenceReport report = AuditVerifier.Verify([file], new AuditVerifierOptions { Keys = [_key.VerifierKey], Live = true });
        Assert.Null(report.Failure);
        Assert.DoesNotContain(report.Notices, n => n.Contains("not signed yet", StringComparison.Ordinal));
    }

    // A crash at any point around a checkpoint that signed a snapshot (a copy of the live file, cut there; a cut inside a
    // line leaves it torn): the sink reopens the file, goes on from what the last checkpoint left signs, and the file
    // verifies clean.
    [Fact]
    public void CrashAnywhereAroundASnapshotCheckpoint_Reopened_VerifiesClean()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        byte[] live = WriteFastLive(path, batches: 20, _ => { });
        AuditFileImage whole = new(path, live);
        (int index, _, long size, _) = SnapshotCheckpointTests.Checkpoints(whole).Last(c => c.Size < c.Index - 2);
        List<int> lineStarts = [0];
        for (int at = 0; (at = Array.IndexOf(live, (byte)'\n', at)) >= 0; at++)
        {
            lineStarts.Add(at + 1);
        }

        // After what it signs, in the middle of the lines before it, right before it, inside it, right after it, inside the
        // line after it.
        int[] cuts =
        [
            lineStarts[(int)size + 1], lineStarts[(int)size + ((index - (int)size) / 2)], lineStarts[index], lineStarts[index] + 100,
            lineStarts[index + 1], lineStarts[index + 1] + 20,
        ];
        cuts = cuts.Where(cut => cut <= live.Length).ToArray(); // the checkpoint may be the file's last line
        for (int c = 0; c < cuts.Length; c++)
        {
            string crashed = Path.Combine(_folder, $"crashed-{c}.jsonl");
            File.WriteAllBytes(crashed, live[..cuts[c]]);
            using (AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(crashed, null, Options())))
            {
                for (int b = 0; b < 12; b++)
                {
                    sink.Write(SnapshotCheckpointTests.Batch(1_000_000 + ((long)b * LinesPerBatch)));
                }
            }

            EvidenceReport report = AuditVerifier.Verify([crashed], new AuditVerifierOptions { Keys = [_key.VerifierKey] });
            Assert.True(report.Failure is null, $"cut {c} at byte {cuts[c]}: {report.Failure}");
            bool torn = !lineStarts.Contains(cuts[c]);
            Assert.Equal(torn, report.Notices.Any(n => n.Contains("reopened after a crash", StringComparison.Ordinal)));
        }
    }

    // A line between what a snapshot checkpoint signs and the checkpoint itself, changed in a closed file: the next
    // checkpoint signs it.
    [Fact]
    public void ClosedFile_EveryKindOfEdit_BetweenASnapshotAndItsCheckpoint_IsNamed()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        WriteFast(path, batches: 30);
        List<string> lines = EvidenceFiles.Lines(path);
        List<(int Index, long From, long Size, bool Closed)> checkpoints = SnapshotCheckpointTests.Checkpoints(path);
        (int index, _, long size, _) = checkpoints.Last(c => c.Size < c.Index - 2);
        // An event line after what it signs and before it, between two event lines (with the hashing thread far behind,
        // earlier checkpoint lines stand in that span too).
        int j = Enumerable.Range((int)size + 1, index - (int)size - 2)
            .OrderBy(k => Math.Abs(k - ((size + index) / 2)))
            .First(k => lines[k - 1].Contains("\"seq\":", StringComparison.Ordinal) && lines[k].Contains("\"seq\":", StringComparison.Ordinal)
                && lines[k + 1].Contains("\"seq\":", StringComparison.Ordinal));

        // Changed.
        AssertFails(Edit(lines, l => l[j] = l[j].Replace("10.1.2.3", "10.1.2.4", StringComparison.Ordinal)), EvidenceFailureKind.Changed, j + 1);

        // Deleted.
        AssertFails(Edit(lines, l => l.RemoveAt(j)), EvidenceFailureKind.Deleted, j + 1);

        // Inserted (a copy of the line before).
        AssertFails(Edit(lines, l => l.Insert(j, l[j - 1])), EvidenceFailureKind.Inserted, j + 1);

        // Swapped with the line after.
        AssertFails(Edit(lines, l => (l[j], l[j + 1]) = (l[j + 1], l[j])), EvidenceFailureKind.Reordered, j + 1);

        // The snapshot checkpoint deleted.
        AssertFails(Edit(lines, l => l.RemoveAt(index)), EvidenceFailureKind.Deleted, index + 1);

        // The snapshot checkpoint moved up to a place it could stand (after the lines it signs): caught at that place.
        // The verifier calls a line moved up by more than one place `inserted` (any line, not only a checkpoint; the
        // threat model says `reordered`, the tamper matrix only swaps), so either kind is taken here.
        List<string> moved = Edit(lines, l =>
        {
            string checkpoint = l[index];
            l.RemoveAt(index);
            l.Insert(j, checkpoint);
        });
        try
        {
            AssertFails(moved, EvidenceFailureKind.Reordered, j + 1);
        }
        catch (Xunit.Sdk.TrueException)
        {
            AssertFails(moved, EvidenceFailureKind.Inserted, j + 1);
        }

        // The snapshot checkpoint swapped with a line between what it signs and itself.
        AssertFails(Edit(lines, l => (l[j], l[index]) = (l[index], l[j])), EvidenceFailureKind.Reordered, j + 1);

        // Two snapshot checkpoints swapped.
        (int Index, long From, long Size, bool Closed)[] pair = checkpoints.Zip(checkpoints.Skip(1)).Where(p => p.First.Size < p.First.Index && p.Second.Size < p.Second.Index).Select(p => p.First).Take(1).ToArray();
        Assert.Single(pair);
        int other = checkpoints[checkpoints.IndexOf(pair[0]) + 1].Index;
        AssertFails(Edit(lines, l => (l[pair[0].Index], l[other]) = (l[other], l[pair[0].Index])), EvidenceFailureKind.Reordered, pair[0].Index + 1);

        // The snapshot checkpoint duplicated right after itself.
        AssertFails(Edit(lines, l => l.Insert(index + 1, l[index])), EvidenceFailureKind.Inserted, index + 2);

        // The file cut between what the snapshot signs and its line: no closing checkpoint.
        List<string> cut = lines.Take(j).ToList();
        File.WriteAllText(path, string.Join('\n', cut) + "\n");
        EvidenceFailure? failure = EvidenceFiles.Verify(path, _key.VerifierKey).Failure;
        Assert.Equal(EvidenceFailureKind.Truncated, failure?.Kind);
        Assert.Equal(j + 1L, failure?.Line);
    }

    // A later snapshot checkpoint put in place of an earlier one: it signs fewer lines than stand before the earlier
    // one's place (hashing lagged by more than a checkpoint interval), so its size alone does not give it away. The
    // layout depends on timing, so the file is made here with the sink's own line writer and key.
    [Fact]
    public void ANewerSnapshotCheckpoint_InPlaceOfAnOlderOne_IsAReplay()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        WriteFast(path, batches: 4);
        List<string> events = EvidenceFiles.Lines(path).Where(l => !l.Contains("\"event_type\":\"audit_checkpoint\"", StringComparison.Ordinal)).Take(1200).ToList();
        Assert.True(EvidenceLine.TryGetString(Encoding.UTF8.GetBytes(events[0]), "origin", out string origin));
        CheckpointLineWriter writer = new(_key);
        writer.SetOrigin(origin);
        List<string> lines = events.Take(600).ToList();
        int first = Sign(lines, writer, size: 500, from: 0, closed: false);
        lines.AddRange(events.Skip(600).Take(300));
        int second = Sign(lines, writer, size: 550, from: 500, closed: false);
        lines.AddRange(events.Skip(900));
        Sign(lines, writer, size: lines.Count, from: 550, closed: true);

        // As made, it verifies: the second checkpoint signs 550 lines and stands after 901.
        AssertFails(lines, null, 0);

        lines[first] = lines[second];
        AssertFails(lines, EvidenceFailureKind.CheckpointReplayed, first + 1);
    }

    // Appends a checkpoint line signing the first `size` lines, with leaf_prefixes from `from`; returns its index.
    private static int Sign(List<string> lines, CheckpointLineWriter writer, long size, long from, bool closed)
    {
        byte[] leaves = lines.Take((int)size).SelectMany(l => MerkleTree.HashLeaf(Encoding.UTF8.GetBytes(l))).ToArray();
        byte[] prefixes = Enumerable.Range((int)from, (int)(size - from)).SelectMany(k => leaves.Skip(k * MerkleTree.HashSize).Take(EvidenceLine.PrefixBytes)).ToArray();
        string line = Encoding.UTF8.GetString(writer.Format(DateTime.UtcNow, size, MerkleTree.Root(leaves), closed, from, prefixes));
        writer.Commit();
        lines.Add(line.TrimEnd('\n'));
        return lines.Count - 1;
    }

    // Rolls by MaxFileBytes while hashing lags: every closing checkpoint signs all lines, the next file follows it.
    [Fact]
    public void Rolls_WhileHashingLags_VerifyClean_AndEveryFileHasSnapshots()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        using (AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, new AuditFileOptions { MaxFileBytes = 2 << 20, RetainedFiles = 10 }, Options())))
        {
            for (int b = 0; b < 150; b++)
            {
                WriteTwo(sink, 1 + ((long)b * 2 * LinesPerBatch));
            }
        }

        IReadOnlyList<string> set = AuditEvidence.RolledSet(path);
        Assert.True(set.Count >= 4, $"{set.Count} files");
        foreach (string file in set)
        {
            List<(int Index, long From, long Size, bool Closed)> checkpoints = SnapshotCheckpointTests.Checkpoints(file);
            Assert.True(checkpoints[^1].Closed);
            Assert.Equal(checkpoints[^1].Index, checkpoints[^1].Size);
        }

        Assert.Contains(set, f => SnapshotCheckpointTests.Checkpoints(f).Any(c => c.Size < c.Index));
        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.Null(report.Failure);
        Assert.Empty(report.Notices);
    }

    // The file renamed away (logrotate create) and then truncated (copytruncate) under the sink while hashing lags.
    [Fact]
    public void RenamedAndTruncatedUnderTheSink_WhileHashingLags_VerifiesClean()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        string rotated = path + ".1";
        string copied = path + ".2";
        using (AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, Options())))
        {
            for (int b = 0; b < 45; b++)
            {
                if (b == 15)
                {
                    File.Move(path, copied);
                }
                else if (b == 30)
                {
                    File.Copy(path, rotated);
                    using FileStream stream = new(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                    stream.SetLength(0);
                }

                WriteTwo(sink, 1 + ((long)b * 2 * LinesPerBatch));
            }
        }

        Assert.Contains(SnapshotCheckpointTests.Checkpoints(copied), c => c.Size < c.Index);
        EvidenceReport report = AuditVerifier.Verify([copied, rotated, path], new AuditVerifierOptions { Keys = [_key.VerifierKey] });
        Assert.Null(report.Failure);
        Assert.Equal(2, report.Notices.Count(n => n.Contains("no closing checkpoint", StringComparison.Ordinal)));
    }

    // The file renamed away under the sink right after a checkpoint that signed a snapshot: the lines between what it
    // signs and its line are signed only by the next file's start line (previous_size, previous_root). A change to one
    // of them is caught there, as `changed` in the renamed file; but that start line has a root only, no prefixes, so the
    // line named is the renamed file's last, not the changed one (as for lines after a file's last checkpoint before;
    // a snapshot widens that span to the hashing backlog). Naming the line would take prefixes in the start line.
    [Fact]
    public void RenamedRightAfterASnapshotCheckpoint_ALineItLeftUnsigned_Changed_IsCaught()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        string rotated = path + ".1";
        using (AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, Options() with { CheckpointLines = LinesPerBatch })))
        {
            // Until a write ends in a checkpoint that signed a snapshot well short of its place (a loaded machine makes
            // some checkpoints wait for the backlog instead).
            int b = 0;
            do
            {
                WriteTwo(sink, 1 + ((long)b * LinesPerBatch));
                sink.Flush();
                b += 2;
            }
            while (b < 400 && SnapshotCheckpointTests.Checkpoints(new AuditFileImage(path, ReadShared(path)))[^1] is var last && last.Size >= last.Index - 2);

            File.Move(path, rotated);
            sink.Write(SnapshotCheckpointTests.Batch(1 + ((long)b * LinesPerBatch)));
        }

        List<(int Index, long From, long Size, bool Closed)> checkpoints = SnapshotCheckpointTests.Checkpoints(rotated);
        (int index, _, long size, _) = checkpoints[^1];
        Assert.True(size < index - 2, $"the last checkpoint signs {size} of {index}");
        Assert.Null(AuditVerifier.Verify([rotated, path], new AuditVerifierOptions { Keys = [_key.VerifierKey] }).Failure);

        int j = (int)size + ((index - (int)size) / 2);
        List<string> lines = EvidenceFiles.Lines(rotated);
        lines[j] = lines[j].Replace("10.1.2.3", "10.1.2.4", StringComparison.Ordinal);
        File.WriteAllText(rotated, string.Join('\n', lines) + "\n");
        EvidenceFailure? failure = AuditVerifier.Verify([rotated, path], new AuditVerifierOptions { Keys = [_key.VerifierKey] }).Failure;
        Assert.NotNull(failure);
        Assert.Equal(EvidenceFailureKind.Changed, failure!.Kind);
        Assert.Equal(rotated, failure.File);
        Assert.True(failure.Line > j && failure.Line <= lines.Count, $"named line {failure.Line}, changed {j + 1}: {failure.Message}");
    }

    // Reopened (a clean close, then a crash cut between a snapshot and its checkpoint), each time with another key.
    [Fact]
    public void Reopens_WithKeyRotation_AfterSnapshotCheckpoints_VerifyClean()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        using NoteSigningKey second = EvidenceFiles.Key("audit.example/attack-snapshot-2", 19);
        WriteFast(path, batches: 20);

        // A crash that lost the last snapshot checkpoint and some lines before it (but after what it signs).
        List<string> lines = EvidenceFiles.Lines(path);
        (int index, _, long size, _) = SnapshotCheckpointTests.Checkpoints(path).Last(c => c.Size < c.Index - 2);
        File.WriteAllText(path, string.Join('\n', lines.Take((int)size + 1)) + "\n");
        EvidenceFiles.CrashBeforeClose(path, "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"torn\"}\n");
        Assert.True(index > size);

        using (AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, Options(second))))
        {
            for (int b = 0; b < 40; b++)
            {
                sink.Write(SnapshotCheckpointTests.Batch(1_000_000 + ((long)b * LinesPerBatch)));
            }
        }

        using (AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, Options())))
        {
            for (int b = 0; b < 40; b++)
            {
                sink.Write(SnapshotCheckpointTests.Batch(2_000_000 + ((long)b * LinesPerBatch)));
            }
        }

        List<(int Index, long From, long Size, bool Closed)> checkpoints = SnapshotCheckpointTests.Checkpoints(path);
        Assert.True(checkpoints.Count(c => c.Size < c.Index) >= 3);
        EvidenceReport report = AuditVerifier.Verify([path], new AuditVerifierOptions { Keys = [_key.VerifierKey, second.VerifierKey] });
        Assert.Null(report.Failure);
        Assert.Equal(2, report.Notices.Count(n => n.Contains("signing key rotated", StringComparison.Ordinal)));
    }

    // Many producers through a logger, a checkpoint timer that fires during the load, every shipped checkpoint kept
    // elsewhere: the file verifies against all of them.
    [Fact]
    public void ManyProducers_AndTheTimer_EveryShippedCheckpointVerifies()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        ConcurrentQueue<AuditCheckpoint> shipped = new();
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 512, CheckpointInterval = TimeSpan.FromMilliseconds(20), OnCheckpoint = shipped.Enqueue };
        using (AuditLogger logger = new(SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, new AuditFileOptions { MaxFileBytes = 4 << 20, RetainedFiles = 20 }, options)), null,
            new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(60) }))
        {
            Parallel.For(0, 4, t =>
            {
                for (int i = 0; i < 40_000; i++)
                {
                    logger.AuthSuccess("req-" + t + "-" + i, "10.1.2." + (i % 250), "sk-inf-evidence-test-key", "/v1/chat/completions");
                }
            });
        }

        IReadOnlyList<string> set = AuditEvidence.RolledSet(path);
        EvidenceReport report = AuditVerifier.Verify(set, new AuditVerifierOptions { Keys = [_key.VerifierKey], ExternalCheckpoints = shipped.Select(c => c.Note).ToList() });
        Assert.Null(report.Failure);
        Assert.Equal(160_000, report.Lines - report.Checkpoints - set.Count);
    }

    // Disposed from another thread while the writer is mid-flood: the writer's next write fails cleanly, nothing hangs,
    // and what is in the file verifies.
    [Fact]
    public void DisposedUnderHeavyLoad_NoHang_AndTheFileVerifies()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, Options()));
        System.Threading.Thread writer = new(() =>
        {
            try
            {
                for (int b = 0; ; b++)
                {
                    sink.Write(SnapshotCheckpointTests.Batch(1 + ((long)b * LinesPerBatch)));
                }
            }
            catch (ObjectDisposedException)
            {
            }
        });
        writer.Start();

        System.Threading.Thread.Sleep(300);
        sink.Dispose();
        Assert.True(writer.Join(TimeSpan.FromSeconds(30)), "the writer hung");
        Assert.Null(EvidenceFiles.Verify(path, _key.VerifierKey).Failure);
    }

    private AuditEvidenceOptions Options(NoteSigningKey? key = null)
        => new() { SigningKey = key ?? _key, CheckpointLines = CheckpointLines, CheckpointInterval = TimeSpan.FromHours(1) };

    // Writes 512 lines (80 KiB) at once: a checkpoint due after it finds more than 64 KiB left to hash, and signs a snapshot.
    private static void WriteTwo(AuditSink sink, long firstSeq)
        => sink.Write([.. SnapshotCheckpointTests.Batch(firstSeq), .. SnapshotCheckpointTests.Batch(firstSeq + LinesPerBatch)]);

    private void WriteFast(string path, int batches)
    {
        using AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, Options()));
        for (int b = 0; b < batches; b++)
        {
            WriteTwo(sink, 1 + ((long)b * 2 * LinesPerBatch));
        }
    }

    // Writes fast, then copies the file while the sink is still open (flushed, no closing checkpoint).
    private byte[] WriteFastLive(string path, int batches, Action<AuditCheckpoint> onCheckpoint)
    {
        AuditEvidenceOptions options = Options() with { OnCheckpoint = onCheckpoint };
        using AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, options));
        for (int b = 0; b < batches; b++)
        {
            WriteTwo(sink, 1 + ((long)b * 2 * LinesPerBatch));
        }

        sink.Flush();
        return ReadShared(path);
    }

    private static byte[] ReadShared(string path)
    {
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] content = new byte[stream.Length];
        stream.ReadExactly(content);
        return content;
    }

    private void AssertFails(List<string> lines, EvidenceFailureKind? kind, long line)
    {
        string path = Path.Combine(_folder, "edited-" + Guid.NewGuid().ToString("N") + ".jsonl");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        EvidenceFailure? failure = AuditVerifier.Verify([path], new AuditVerifierOptions { Keys = [_key.VerifierKey] }).Failure;
        Assert.True(kind is null ? failure is null : failure is not null && failure.Kind == kind && failure.Line == line, $"expected {kind} at {line}, got {failure?.Kind} at {failure?.Line}: {failure?.Message}");
    }

    private static List<string> Edit(List<string> lines, Action<List<string>> edit)
    {
        List<string> copy = lines.ToList();
        edit(copy);
        return copy;
    }

    private EvidenceReport VerifyLive(AuditFileImage file, string external)
        => AuditVerifier.Verify([file], new AuditVerifierOptions { Keys = [_key.VerifierKey], Live = true, ExternalCheckpoints = [external] });
}
