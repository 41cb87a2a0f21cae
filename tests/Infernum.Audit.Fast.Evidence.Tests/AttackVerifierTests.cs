using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// Attacks on the verifier's newer rules and on its cost: crafted lines that made it run for hours, shipped
/// checkpoints around <c>HasCheckpointLine</c>, and edits of checkpoint lines that keep their notes.
/// </summary>
public sealed class AttackVerifierTests : IDisposable
{
    // Far above what a linear verifier needs for these inputs (well under a second); a guard against a hang, not a timing.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/attack-verifier", 19);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    // The unsigned tail of a live file holds what anyone wrote there: an audit_dropped line for seq N + 1 to 4e18 and
    // a line with seq 4e18. The seq continuity check walked every seq of that range one by one (4e18 steps): a hang.
    [Fact]
    public void LiveFile_DropRangeToAHugeSeqInTheUnsignedTail_IsReportedWithoutWalkingTheRange()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 50);
        const long huge = 4_000_000_000_000_000_000;
        File.AppendAllText(path,
            "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"audit_dropped\",\"count\":1,\"first_seq\":52,\"last_seq\":" + (huge - 1) + ",\"seq\":51}\n"
            + "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"x\",\"success\":true,\"seq\":" + huge + "}\n");
        AuditVerifierOptions options = new() { Keys = [_key.VerifierKey], Live = true };
        EvidenceReport report = Guarded(() => AuditVerifier.Verify(AuditEvidence.RolledSet(path), options));
        Assert.Null(report.Failure);
        Assert.Contains(report.Notices, n => n.Contains("not signed yet", StringComparison.Ordinal));
    }

    // Many drop records over a wide range (an overloaded logger writes one per burst): the continuity check scanned every
    // drop record for every dropped seq. A set with 20,000 drop records of 50 seqs each verifies clean, with no notice of
    // a missing seq, and one seq left out of every range is named.
    [Fact]
    public void ManyDropRecords_AreCheckedWithoutScanningThemForEverySeq()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 5);
        StringBuilder tail = new();
        long seq = 6;
        for (int d = 0; d < 20_000; d++)
        {
            tail.Append("{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"audit_dropped\",\"count\":50,\"first_seq\":")
                .Append(seq + 1).Append(",\"last_seq\":").Append(seq + 50).Append(",\"seq\":").Append(seq).Append("}\n");
            seq += 51;
        }

        File.AppendAllText(path, tail.ToString());
        AuditVerifierOptions options = new() { Keys = [_key.VerifierKey], Live = true };
        EvidenceReport report = Guarded(() => AuditVerifier.Verify(AuditEvidence.RolledSet(path), options));
        Assert.Null(report.Failure);
        Assert.DoesNotContain(report.Notices, n => n.Contains("is neither a line", StringComparison.Ordinal));

        // The last record's range ends one short of the next seq: that seq is named.
        File.AppendAllText(path, "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"audit_dropped\",\"count\":1,\"first_seq\":"
            + (seq + 1) + ",\"last_seq\":" + (seq + 1) + ",\"seq\":" + seq + "}\n"
            + "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"x\",\"success\":true,\"seq\":" + (seq + 3) + "}\n");
        report = Guarded(() => AuditVerifier.Verify(AuditEvidence.RolledSet(path), options));
        Assert.Null(report.Failure);
        Assert.Contains(report.Notices, n => n.Contains($"seq {seq + 2} is neither a line", StringComparison.Ordinal));
    }

    // Lines after a closed file, then as many checkpoint-looking lines, each recording a wrong prefix for one of them.
    // Each wrong prefix made the walk forget its recorder's claims by scanning the whole claim array: quadratic in the
    // file (200,000 x 400,000 steps). It must report, at once, a line after the closing checkpoint.
    [Fact]
    public void ManyForgedClaims_AfterTheClosingCheckpoint_AreReportedWithoutAQuadraticWalk()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 20);
        int honest = EvidenceFiles.Lines(path).Count;
        const int forged = 200_000;
        StringBuilder tail = new(forged * 120);
        for (int k = 0; k < forged; k++)
        {
            tail.Append("{\"event_type\":\"auth_success\",\"n\":").Append(k).Append("}\n");
        }

        for (int k = 0; k < forged; k++)
        {
            tail.Append("{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"audit_checkpoint\",\"from\":")
                .Append(honest + k).Append(",\"leaf_prefixes\":\"AAAA\",\"note\":\"x\"}\n");
        }

        File.AppendAllText(path, tail.ToString());
        EvidenceReport report = Guarded(() => EvidenceFiles.Verify(path, _key.VerifierKey));
        Assert.NotNull(report.Failure);
        Assert.True(report.Failure!.Line > honest, report.Failure.ToString());
    }

    // As above, but each forged line carries a copy of the file's closing note (validly signed, for this file), and its
    // timestamp is ground until its own leaf-hash prefix is one no checkpoint recorded: each wrong prefix made the walk
    // recompute the root that note signs, once per copy (20,000 copies x 30,000 leaves took 69 s). It must name the line at once.
    [Fact]
    public void ManyCopiesOfAValidNote_RecordingWrongPrefixes_DoNotRecomputeItsRootEachTime()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 30_000, checkpointLines: 4096);
        List<string> lines = EvidenceFiles.Lines(path);
        int honest = lines.Count;
        string closing = lines[^1];
        string noteField = closing[closing.IndexOf(",\"note\":", StringComparison.Ordinal)..];
        const int forged = 30_000;
        StringBuilder tail = new();
        for (int k = 0; k < forged; k++)
        {
            tail.Append("{\"event_type\":\"auth_success\",\"n\":").Append(k).Append("}\n");
        }

        HashSet<int> recorded = [0, .. Enumerable.Range(0, honest).Select(AuditFileImage.Read(path).Prefix)];
        byte[] leaf = new byte[Merkle.MerkleTree.HashSize];
        for (int k = 0; k < forged; k++)
        {
            for (int grind = 0; ; grind++)
            {
                string line = "{\"timestamp\":\"2026-11-30T10:00:00." + grind.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)
                    + "Z\",\"event_type\":\"audit_checkpoint\",\"from\":" + (honest + k) + ",\"leaf_prefixes\":\"AAAA\"" + noteField;
                Merkle.MerkleTree.HashLeaf(Encoding.UTF8.GetBytes(line), leaf);
                if (!recorded.Contains((leaf[0] << 16) | (leaf[1] << 8) | leaf[2]))
                {
                    tail.Append(line).Append('\n');
                    break;
                }
            }
        }

        File.AppendAllText(path, tail.ToString());
        EvidenceReport report = Guarded(() => EvidenceFiles.Verify(path, _key.VerifierKey));
        Assert.NotNull(report.Failure);
        Assert.True(report.Failure!.Line > honest, report.Failure.ToString());
    }

    // Every checkpoint a sink shipped over a rolled set (closing ones of rolled files included), given back at once: the
    // set verifies clean; the newest file's last line cut (live), or one shipped note's root byte changed, is named.
    // (The external checks read each file once for all of them: 1,000 shipped notes over a 1.5-million-line file took
    // 72 s when each one hashed its lines and scanned the file for its own line.)
    [Fact]
    public void EveryShippedCheckpointOfARolledSet_GivenAtOnce_VerifiesClean_AndACutIsStillCaught()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        ConcurrentQueue<AuditCheckpoint> shipped = new();
        EvidenceFiles.Log(path, _key, 20_000, new AuditFileOptions { MaxFileBytes = 1 << 20, RetainedFiles = 50 }, checkpointLines: 100, onCheckpoint: shipped.Enqueue);
        List<string> notes = shipped.Select(c => c.Note).ToList();
        IReadOnlyList<string> files = AuditEvidence.RolledSet(path);
        Assert.True(files.Count >= 3);
        Assert.True(notes.Count > files.Count * 2, $"{notes.Count} notes");
        List<AuditFileImage> images = files.Select(AuditFileImage.Read).ToList();
        AuditVerifierOptions options = new() { Keys = [_key.VerifierKey], ExternalCheckpoints = notes };
        EvidenceReport report = AuditVerifier.Verify(images, options);
        Assert.Null(report.Failure);

        // The newest file read live without its closing checkpoint, which was shipped too.
        AuditFileImage newest = images[^1];
        List<AuditFileImage> cut = [.. images.Take(images.Count - 1), ExternalCheckpointTests.Keep(newest, newest.Count - 1)];
        report = AuditVerifier.Verify(cut, options with { Live = true });
        Assert.Equal(EvidenceFailureKind.Truncated, report.Failure?.Kind);
        Assert.Equal(newest.Name, report.Failure!.File);
        Assert.Equal(newest.Count, report.Failure.Line);

        // Without the closing note, the cut file verifies live.
        string closing = notes.Single(n => n.Contains("infernum-audit closed", StringComparison.Ordinal) && SignedNote.Parse(n).Text.StartsWith(newest.Origin!, StringComparison.Ordinal));
        report = AuditVerifier.Verify(cut, options with { Live = true, ExternalCheckpoints = notes.Where(n => n != closing).ToList() });
        Assert.Null(report.Failure);
    }

    // A live file whose last snapshot checkpoint S (signing N lines, standing at line L + 1 > N + 2) was shipped. The
    // attacker cuts the file after line N + 1 and puts S's line back right after it: lines N + 2 to L are gone, yet S's
    // line is in the file after its N lines, and nothing in S says where it stood.
    [Fact]
    public void LiveFile_CutBetweenASnapshotAndItsLine_WithItsLineCopiedBack_IsNotCaught()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        ConcurrentQueue<AuditCheckpoint> shipped = new();
        AuditFileImage whole = new(path, WriteFastLive(path, shipped.Enqueue));
        // The last snapshot checkpoint whose predecessor's line stands inside what it signs (so the cut keeps that line).
        List<(int Index, long From, long Size, bool Closed)> checkpoints = SnapshotCheckpointTests.Checkpoints(whole);
        (int index, _, long size, _) = checkpoints.Zip(checkpoints.Skip(1)).Last(p => p.Second.Size < p.Second.Index - 2 && p.First.Index < p.Second.Size).Second;
        string note = shipped.Single(s => s.Checkpoint.Size == size).Note;
        byte[] kept = whole.Content.AsSpan(0, LineEnd(whole, (int)size)).ToArray();
        byte[] forged = [.. kept, .. whole.Line(index), (byte)'\n'];
        AuditVerifierOptions options = new() { Keys = [_key.VerifierKey], Live = true, ExternalCheckpoints = [note] };

        // Cut without putting S back: truncated.
        Assert.Equal(EvidenceFailureKind.Truncated, AuditVerifier.Verify([new AuditFileImage(path, kept)], options).Failure?.Kind);

        // With S's line put back, index - size - 1 lines are gone and the file verifies clean: the threat model's
        // "a shipped checkpoint shows that those lines were cut" holds only for cuts that take S's line with them.
        EvidenceReport report = AuditVerifier.Verify([new AuditFileImage(path, forged)], options);
        Assert.True(index - size - 1 >= 2);
        Assert.Null(report.Failure);
    }

    // Files renamed under a live logger three times (as logrotate's create mode does), every checkpoint shipped: given all
    // the shipped notes, the four files verify clean (each note's line is in the file with its origin, after what it
    // signs); with the newest file's closing checkpoint cut, its shipped note names the cut.
    [Fact]
    public void RenamedUnderTheLogger_EveryShippedNote_VerifiesClean_AndTheNewestCutIsCaught()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        ConcurrentQueue<AuditCheckpoint> shipped = new();
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 64, CheckpointInterval = TimeSpan.FromMinutes(5), OnCheckpoint = shipped.Enqueue };
        List<string> files = [];
        using (AuditLogger logger = new(SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, options)), null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) }))
        {
            for (int round = 0; round < 4; round++)
            {
                for (int i = 0; i < 300 + (round * 37); i++)
                {
                    logger.AuthSuccess("req-" + i, "10.1.2.3", "sk-inf-rotation-test-key", "/v1/chat/completions");
                }

                logger.Flush();
                if (round < 3)
                {
                    string renamed = path + "." + (round + 1);
                    File.Move(path, renamed);
                    files.Add(renamed);
                }
            }
        }

        files.Add(path);
        List<string> notes = shipped.Select(c => c.Note).ToList();
        AuditVerifierOptions verify = new() { Keys = [_key.VerifierKey], ExternalCheckpoints = notes };
        List<AuditFileImage> images = files.Select(AuditFileImage.Read).ToList();
        EvidenceReport report = AuditVerifier.Verify(images, verify);
        Assert.True(report.Failure is null, report.Failure?.ToString());
        Assert.Equal(3, report.Notices.Count(n => n.Contains("renamed or deleted under the logger", StringComparison.Ordinal)));

        AuditFileImage newest = images[^1];
        report = AuditVerifier.Verify([.. images.Take(3), ExternalCheckpointTests.Keep(newest, newest.Count - 1)], verify with { Live = true });
        Assert.Equal(EvidenceFailureKind.Truncated, report.Failure?.Kind);
        Assert.Equal((long)newest.Count, report.Failure!.Line);
    }

    // Checkpoint lines re-signed with the file's own key (the worst malformed input: every signature verifies) with sizes
    // around their place, the file's end, int.MaxValue and beyond, roots real or random, closed or not, any `from` and
    // any number of leaf prefixes; and such notes given as kept elsewhere. The verifier must report, never throw, and
    // every edited line must fail (nothing but the signing key can make a different line verify; these are all caught
    // because later checkpoints sign the line, or the line is checked against what the sink writes).
    [Fact]
    public void ResignedCheckpointLines_WithAnySizeFromAndPrefixes_AreReported_NeverThrown()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        EvidenceFiles.Log(path, _key, 300, checkpointLines: 50);
        AuditFileImage honest = AuditFileImage.Read(path);
        List<string> lines = EvidenceFiles.Lines(path);
        List<int> checkpoints = Enumerable.Range(0, honest.Count).Where(i => honest.CheckpointNote(i) is not null).ToList();
        string origin = honest.Origin!;
        Random random = new(1819);
        int edited = 0;
        for (int n = 0; n < 1500; n++)
        {
            int at = checkpoints[random.Next(checkpoints.Count)];
            long[] sizes = [0, 1, at - 1, at, at + 1, honest.Count, honest.Count + 1, int.MaxValue, int.MaxValue + 1L, long.MaxValue, random.Next(at + 2)];
            long size = sizes[random.Next(sizes.Length)];
            byte[] root = size <= honest.Count && random.Next(2) == 0
                ? Merkle.MerkleTree.Root(honest.LeafHashes.AsSpan(0, (int)size * Merkle.MerkleTree.HashSize))
                : Enumerable.Range(0, 32).Select(_ => (byte)random.Next(256)).ToArray();
            string[] extensions = random.Next(3) == 0 ? [Checkpoint.ClosedExtension] : [];
            string note = SignedNote.Sign(new Checkpoint(random.Next(8) == 0 ? origin + "x" : origin, size, root, extensions).ToText(), _key);
            long[] froms = [0, -1, at, at - 1, size, long.MaxValue, long.MinValue, random.Next(at + 2)];
            byte[] prefixes = new byte[3 * random.Next(0, 60)];
            random.NextBytes(prefixes);
            string line = EvidenceLine.FormatCheckpoint(DateTime.UtcNow, froms[random.Next(froms.Length)], prefixes, note).TrimEnd('\n');
            List<string> copy = [.. lines];
            copy[at] = line;
            AuditFileImage image = new(path, Encoding.UTF8.GetBytes(string.Join("\n", copy) + "\n"));
            AuditVerifierOptions options = new() { Keys = [_key.VerifierKey], Live = random.Next(2) == 0, ExternalCheckpoints = random.Next(2) == 0 ? [note] : [] };
            EvidenceReport report = AuditVerifier.Verify([image], options);
            if (line != lines[at])
            {
                edited++;
                Assert.True(report.Failure is not null, $"edit {n} at line {at + 1}: {line}");
            }

            // The untouched file against the re-signed note as kept elsewhere.
            report = AuditVerifier.Verify([honest], options with { ExternalCheckpoints = [note] });
            Assert.True(report.Failure is not null || (size < honest.Count && root.AsSpan().SequenceEqual(Merkle.MerkleTree.Root(honest.LeafHashes.AsSpan(0, (int)size * Merkle.MerkleTree.HashSize)))), $"external {n}");
        }

        Assert.True(edited > 1400);
    }

    // A closed file whose checkpoints sign snapshots: lines around its last three checkpoints deleted, copied in again
    // right after themselves, swapped with the next, and those checkpoint lines replaced by older checkpoint lines: each
    // is named at its place with the kind the threat model gives. The last count checkpoint swapped with the closing one
    // (the file's last two lines) was named `inserted`: the line signed there comes next and no line follows to say the
    // rest is shifted.
    [Fact]
    public void ClosedSnapshotFile_EditsAroundTheLastCheckpoints_AreNamedAtTheirPlace()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        WriteFastLive(path, _ => { });
        List<string> lines = EvidenceFiles.Lines(path);
        List<(int Index, long From, long Size, bool Closed)> checkpoints = SnapshotCheckpointTests.Checkpoints(path);
        Assert.True(checkpoints[^1].Closed);
        // Lines around the last three checkpoints and around the last lines they sign.
        SortedSet<int> places = [.. checkpoints.TakeLast(3).SelectMany(c => Enumerable.Range(c.Index - 3, 5).Concat(Enumerable.Range((int)c.Size - 2, 4))).Where(j => j < lines.Count)];
        List<string> failures = [];
        void Expect(string what, List<string> edited, EvidenceFailureKind kind, long line)
        {
            EvidenceReport report = AuditVerifier.Verify([new AuditFileImage(path, Encoding.UTF8.GetBytes(string.Join("\n", edited) + "\n"))], new AuditVerifierOptions { Keys = [_key.VerifierKey] });
            if (report.Failure?.Kind != kind || report.Failure.Line != line)
            {
                failures.Add($"{what}: expected {kind} at {line}, got {report.Failure}");
            }
        }

        foreach (int j in places)
        {
            List<string> deleted = [.. lines];
            deleted.RemoveAt(j);
            Expect($"delete {j + 1}", deleted, j == lines.Count - 1 ? EvidenceFailureKind.Truncated : EvidenceFailureKind.Deleted, j + 1);

            List<string> copied = [.. lines];
            copied.Insert(j + 1, lines[j]);
            Expect($"copy {j + 1}", copied, EvidenceFailureKind.Inserted, j + 2);

            if (j + 1 < lines.Count)
            {
                List<string> swapped = [.. lines];
                (swapped[j], swapped[j + 1]) = (swapped[j + 1], swapped[j]);
                Expect($"swap {j + 1}", swapped, EvidenceFailureKind.Reordered, j + 1);
            }
        }

        foreach ((int index, _, _, _) in checkpoints.Skip(checkpoints.Count - 3))
        {
            foreach ((int older, _, _, _) in checkpoints.Where(c => c.Index < index).TakeLast(3))
            {
                List<string> replayed = [.. lines];
                replayed[index] = lines[older];
                Expect($"replay {older + 1} at {index + 1}", replayed, EvidenceFailureKind.CheckpointReplayed, index + 1);
            }
        }

        Assert.True(failures.Count == 0, $"{lines.Count} lines, checkpoints at {string.Join(",", checkpoints.TakeLast(4).Select(c => $"{c.Index + 1}:{c.Size}"))}\n" + string.Join("\n", failures));
    }

    // The byte after line `index`'s '\n'.
    private static int LineEnd(AuditFileImage file, int index)
    {
        int end = 0;
        for (int k = 0; k <= index; k++)
        {
            end = Array.IndexOf(file.Content, (byte)'\n', end) + 1;
        }

        return end;
    }

    // Writes 512 lines (80 KiB) at once, so checkpoints sign snapshots; flushes and copies the file with the sink open.
    private byte[] WriteFastLive(string path, Action<AuditCheckpoint> onCheckpoint)
    {
        AuditEvidenceOptions options = new()
        {
            // The slowed hashing thread stays at most about 2 MiB (some 14,000 lines) behind, so with a checkpoint every
            // 32,768 lines each snapshot signs past the checkpoint line before it.
            SigningKey = _key, CheckpointLines = 32_768, CheckpointInterval = TimeSpan.FromHours(1), OnCheckpoint = onCheckpoint,
        };
        using AuditSink sink = SnapshotCheckpointTests.Lagging(AuditEvidence.ToFile(path, null, options));
        for (int b = 0; b < 256; b++)
        {
            long first = 1 + ((long)b * 512);
            sink.Write([.. SnapshotCheckpointTests.Batch(first), .. SnapshotCheckpointTests.Batch(first + 256)]);
        }

        sink.Flush();
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] content = new byte[stream.Length];
        stream.ReadExactly(content);
        return content;
    }

    private static EvidenceReport Guarded(Func<EvidenceReport> verify)
    {
        Task<EvidenceReport> task = Task.Run(verify);
        Assert.True(task.Wait(HangGuard), "The verifier did not finish.");
        return task.Result;
    }
}
