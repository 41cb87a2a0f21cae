using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// The tamper matrix: a rolled set of 100,000 events (with the files' own evidence lines, about 4 files) written by
/// a real logger through the evidence sink, crashed half-way (closing checkpoint missing, a torn last line) and
/// reopened (the sink repairs the tail and records it). Then 1,000 random single edits of each kind, each verified
/// in-process from the edited bytes: every one must be reported, with the kind and the first line that differs.
/// </summary>
public sealed class TamperMatrixTests : IClassFixture<TamperMatrixTests.RolledSet>
{
    private const int EditsPerKind = 1000;
    private readonly RolledSet _set;
    private readonly ITestOutputHelper _output;

    public TamperMatrixTests(RolledSet set, ITestOutputHelper output)
    {
        _set = set;
        _output = output;
    }

    public enum Edit
    {
        ChangeByte,
        DeleteLine,
        InsertCopy,
        SwapLines,
        CutBeforeLastCheckpoint,
        CutAfterLastCheckpoint,
        RemoveRolledFile,
        ResignCheckpoint,
        ReplayCheckpoint,
    }

    [Fact]
    public void UntouchedSet_VerifiesClean_WithItsCrashRepairNoted()
    {
        EvidenceReport report = AuditVerifier.Verify(_set.Images, _set.Options());
        Assert.Null(report.Failure);
        Assert.Contains(report.Notices, n => n.Contains("crash", StringComparison.Ordinal));
        Assert.True(_set.Images.Count >= 3, $"{_set.Images.Count} files");
        Assert.Equal(_set.Images.Sum(i => i.Count), report.Lines);
        Assert.True(report.Lines > 100_000);

        // The hashing thread is slowed down (SnapshotCheckpointTests.Lagging), so the set holds both kinds of checkpoint
        // the edits must be caught around: ones that sign every line before them, and ones that sign a snapshot (some lines before them not yet).
        List<(int Index, long Size)> checkpoints = _set.Images.SelectMany(image => Enumerable.Range(0, image.Count)
            .Where(i => EvidenceLine.EventType(image.Line(i)) == EvidenceLine.Checkpoint)
            .Select(i => (i, Checkpoint.Parse(SignedNote.Parse(EvidenceLine.TryGetString(image.Line(i), "note", out string note) ? note : string.Empty).Text).Size)))
            .ToList();
        Assert.Contains(checkpoints, c => c.Size == c.Index);
        Assert.Contains(checkpoints, c => c.Size < c.Index);
    }

    [Fact]
    public void ImageFromABasis_HashesLikeAFreshOne()
    {
        Random random = new(7);
        foreach (Edit edit in new[] { Edit.ChangeByte, Edit.DeleteLine, Edit.InsertCopy, Edit.SwapLines, Edit.CutBeforeLastCheckpoint })
        {
            Case c = _set.Make(edit, random, 0);
            AuditFileImage edited = c.Files.First(f => !_set.Images.Contains(f));
            Assert.Equal(new AuditFileImage(edited.Name, edited.Content).LeafHashes, edited.LeafHashes);
        }
    }

    [Theory]
    [InlineData(Edit.ChangeByte)]
    [InlineData(Edit.DeleteLine)]
    [InlineData(Edit.InsertCopy)]
    [InlineData(Edit.SwapLines)]
    [InlineData(Edit.CutBeforeLastCheckpoint)]
    [InlineData(Edit.CutAfterLastCheckpoint)]
    [InlineData(Edit.RemoveRolledFile)]
    [InlineData(Edit.ResignCheckpoint)]
    [InlineData(Edit.ReplayCheckpoint)]
    public void EveryEdit_IsReported_WithItsKindAndLine(Edit edit)
    {
        ConcurrentBag<string> wrong = new();
        int count = edit == Edit.RemoveRolledFile ? _set.Images.Count - 1 : EditsPerKind;
        System.Threading.Tasks.Parallel.For(0, count, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 2 }, n =>
        {
            // A seed per case, not one Random shared by the two threads: case n is the same edit whichever thread
            // takes it first, so a failure names an edit that can be made again (given the same set).
            Case c = _set.Make(edit, new Random((((int)edit + 1) * EditsPerKind * 10) + n), n);
            EvidenceReport report = AuditVerifier.Verify(c.Files, c.Options);
            EvidenceFailure? failure = report.Failure;
            if (failure is null || failure.Kind != c.Kind || failure.Line != c.Line || failure.File != c.File)
            {
                wrong.Add($"{c.Description}: expected {c.Kind} at {c.File}:{c.Line}, got {failure?.ToString() ?? "no failure"}");
            }
        });

        foreach (string w in wrong.Take(20))
        {
            _output.WriteLine(w);
        }

        Assert.True(wrong.IsEmpty, $"{wrong.Count} of {count} {edit} edits misreported; first: {wrong.FirstOrDefault()}");
    }

    /// <summary>One edited set and what the verifier must say about it.</summary>
    public sealed record Case(IReadOnlyList<AuditFileImage> Files, AuditVerifierOptions Options, EvidenceFailureKind Kind, string File, long Line, string Description);

    /// <summary>The set, written once for all the tests of the class.</summary>
    public sealed class RolledSet : IDisposable
    {
        private readonly string _folder = EvidenceFiles.NewFolder();
        private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/matrix", 3);
        private readonly NoteSigningKey _attacker = EvidenceFiles.Key("audit.example/matrix", 4);
        private readonly NoteSigningKey _stranger = EvidenceFiles.Key("attacker.example/key", 5);
        private readonly List<List<byte[]>> _lines;

        public RolledSet()
        {
            string path = Path.Combine(_folder, "audit.jsonl");
            AuditFileOptions files = new() { MaxFileBytes = 7 << 20, RetainedFiles = 100 };
            ConcurrentQueue<AuditCheckpoint> shipped = new();
            EvidenceFiles.Log(path, _key, 50_000, files, checkpointLines: 1000, onCheckpoint: shipped.Enqueue, laggingHashing: true);
            EvidenceFiles.CrashBeforeClose(path, "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"torn-by-the-crash\"}\n");
            EvidenceFiles.Log(path, _key, 50_000, files, checkpointLines: 1000, onCheckpoint: shipped.Enqueue, start: 50_000, laggingHashing: true);
            Shipped = shipped.Select(c => c.Note).ToList();
            Images = AuditEvidence.RolledSet(path).Select(AuditFileImage.Read).ToList();
            _lines = Images.Select(Split).ToList();
        }

        public IReadOnlyList<AuditFileImage> Images { get; }

        // Every checkpoint the sink handed to OnCheckpoint, in order: the copy kept elsewhere.
        public IReadOnlyList<string> Shipped { get; }

        public AuditVerifierOptions Options(bool live = false, IReadOnlyList<string>? external = null)
            => new() { Keys = [_key.VerifierKey], Live = live, ExternalCheckpoints = external ?? [] };

        public void Dispose()
        {
            _key.Dispose();
            _attacker.Dispose();
            _stranger.Dispose();
            Directory.Delete(_folder, recursive: true);
        }

        internal Case Make(Edit edit, Random random, int n)
        {
            int f = random.Next(Images.Count);
            List<byte[]> lines = new(_lines[f]);
            List<byte[]> original = _lines[f];
            string name = Images[f].Name;
            switch (edit)
            {
                case Edit.ChangeByte:
                {
                    int i = random.Next(lines.Count);
                    byte[] line = (byte[])lines[i].Clone();
                    int at = random.Next(line.Length);
                    line[at] ^= (byte)random.Next(1, 256);
                    lines[i] = line;
                    return Edited(f, lines, EvidenceFailureKind.Changed, FirstDifference(original, lines), $"line {i + 1} byte {at}");
                }

                case Edit.DeleteLine:
                {
                    int i = random.Next(lines.Count);
                    lines.RemoveAt(i);
                    bool last = i == original.Count - 1;
                    return Edited(f, lines, last ? EvidenceFailureKind.Truncated : EvidenceFailureKind.Deleted, FirstDifference(original, lines), $"delete line {i + 1}{(last ? " (the last: a cut tail)" : "")}");
                }

                case Edit.InsertCopy:
                {
                    int from = random.Next(lines.Count);
                    int to = random.Next(lines.Count + 1);
                    lines.Insert(to, lines[from]);
                    return Edited(f, lines, EvidenceFailureKind.Inserted, FirstDifference(original, lines), $"copy line {from + 1} before line {to + 1}");
                }

                case Edit.SwapLines:
                {
                    int i = random.Next(lines.Count - 1);
                    int j = random.Next(2) == 0 ? i + 1 : random.Next(i + 1, lines.Count);
                    (lines[i], lines[j]) = (lines[j], lines[i]);
                    return Edited(f, lines, EvidenceFailureKind.Reordered, FirstDifference(original, lines), $"swap lines {i + 1} and {j + 1}");
                }

                case Edit.CutBeforeLastCheckpoint:
                {
                    // Keep c whole lines and, half the time, part of the next one (a cut inside a line).
                    int c = random.Next(1, lines.Count - 1);
                    lines.RemoveRange(c, lines.Count - c);
                    byte[] content = Join(lines);
                    if (random.Next(2) == 0)
                    {
                        content = [.. content, .. original[c].AsSpan(0, random.Next(1, original[c].Length))];
                    }

                    return Replace(f, content, Options(), EvidenceFailureKind.Truncated, c + 1, $"cut after line {c}");
                }

                case Edit.CutAfterLastCheckpoint:
                {
                    // The newest file, read live (its logger could still be writing), so its own lines cannot show a cut
                    // tail: the checkpoint kept elsewhere must. That is the latest one the writer shipped over the whole
                    // set, of size N: it signs the file's first N lines, and line N + 1 is that checkpoint line itself,
                    // which no checkpoint signs. So every cut keeps fewer than N whole lines (a cut at N, when the
                    // file's last lines are a checkpoint and then the closing one, is not a cut the witness can see).
                    // Half the cuts go right after a checkpoint (the file still ends on a valid one), half anywhere
                    // after the start line, at a line end or inside a line (an unsigned tail, as a live file has).
                    f = Images.Count - 1;
                    original = _lines[f];
                    name = Images[f].Name;
                    string external = Shipped[^1];
                    Checkpoint witnessed = Checkpoint.Parse(SignedNote.Parse(external).Text);
                    int start = original.FindIndex(l => EvidenceLine.EventType(l) == EvidenceLine.Start);
                    if (!EvidenceLine.TryGetString(original[start], "origin", out string origin) || origin != witnessed.Origin || witnessed.Size > original.Count)
                    {
                        throw new InvalidOperationException($"The last shipped checkpoint ({witnessed.Origin}, {witnessed.Size} lines) is not of the newest file ({origin}, {original.Count} lines).");
                    }

                    List<int> afterCheckpoints = Enumerable.Range(start + 1, (int)witnessed.Size - start - 1)
                        .Where(c => EvidenceLine.EventType(original[c - 1]) == EvidenceLine.Checkpoint).ToList();
                    bool atCheckpoint = random.Next(2) == 0 && afterCheckpoints.Count > 0;
                    int cut = atCheckpoint ? afterCheckpoints[random.Next(afterCheckpoints.Count)] : random.Next(start + 1, (int)witnessed.Size);
                    byte[] content = Join(original.Take(cut).ToList());
                    bool inside = !atCheckpoint && random.Next(2) == 0;
                    if (inside)
                    {
                        content = [.. content, .. original[cut].AsSpan(0, random.Next(1, original[cut].Length))];
                    }

                    string where = atCheckpoint ? $"right after the checkpoint at line {cut}" : inside ? $"inside line {cut + 1}" : $"after line {cut}";
                    return Replace(f, content, Options(live: true, external: [external]), EvidenceFailureKind.Truncated, cut + 1,
                        $"cut {where}, under a shipped checkpoint of {witnessed.Size} lines");
                }

                case Edit.RemoveRolledFile:
                {
                    // Rolled files in turn; the oldest one only a checkpoint kept elsewhere can miss (retention removes it too).
                    int removed = n % (Images.Count - 1);
                    List<AuditFileImage> files = Images.Where((_, k) => k != removed).ToList();
                    return removed == 0
                        ? new Case(files, Options(external: Shipped), EvidenceFailureKind.Deleted, "(external checkpoint)", 0, "remove the oldest file")
                        : new Case(files, Options(), EvidenceFailureKind.Deleted, Images[removed + 1].Name, 1, $"remove file {removed}");
                }

                case Edit.ResignCheckpoint:
                {
                    int i = RandomCheckpoint(original, random);
                    EvidenceLine.TryGetString(original[i], "note", out string note);
                    NoteSigningKey other = random.Next(2) == 0 ? _attacker : _stranger;
                    string resigned = SignedNote.Sign(SignedNote.Parse(note).Text, other);
                    lines[i] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(original[i]).Replace(Escape(note), Escape(resigned), StringComparison.Ordinal));
                    return Edited(f, lines, EvidenceFailureKind.UnknownKey, i + 1, $"re-sign the checkpoint at line {i + 1} with {other.Name}");
                }

                case Edit.ReplayCheckpoint:
                default:
                {
                    // An older checkpoint line of this file, or the previous file's closing one, put in place of a later checkpoint.
                    int i = RandomCheckpoint(original, random);
                    List<byte[]> older = original.Take(i).Where(l => EvidenceLine.EventType(l) == EvidenceLine.Checkpoint).ToList();
                    if (f > 0 && (older.Count == 0 || random.Next(4) == 0))
                    {
                        older = [_lines[f - 1][^1]];
                    }

                    if (older.Count == 0)
                    {
                        return Make(edit, random, n);
                    }

                    lines[i] = older[random.Next(older.Count)];
                    return Edited(f, lines, EvidenceFailureKind.CheckpointReplayed, i + 1, $"replay an older checkpoint at line {i + 1}");
                }
            }

            Case Edited(int file, List<byte[]> edited, EvidenceFailureKind kind, long line, string description)
                => Replace(file, Join(edited), Options(), kind, line, description);

            Case Replace(int file, byte[] content, AuditVerifierOptions options, EvidenceFailureKind kind, long line, string description)
            {
                List<AuditFileImage> files = new(Images);
                files[file] = new AuditFileImage(Images[file].Name, content, Images[file]);
                return new Case(files, options, kind, Images[file].Name, line, $"{Path.GetFileName(name)}: {description}");
            }
        }

        private static int RandomCheckpoint(List<byte[]> lines, Random random)
        {
            List<int> checkpoints = Enumerable.Range(0, lines.Count).Where(i => EvidenceLine.EventType(lines[i]) == EvidenceLine.Checkpoint).ToList();
            return checkpoints[random.Next(checkpoints.Count)];
        }

        private static string Escape(string note) => note.Replace("\n", "\\n", StringComparison.Ordinal);

        // 1-based number of the first line where the edited file differs from the original.
        private static long FirstDifference(List<byte[]> original, List<byte[]> edited)
        {
            int i = 0;
            while (i < original.Count && i < edited.Count && original[i].AsSpan().SequenceEqual(edited[i]))
            {
                i++;
            }

            return i + 1L;
        }

        private static List<byte[]> Split(AuditFileImage image)
            => Enumerable.Range(0, image.Count).Select(i => image.Line(i).ToArray()).ToList();

        private static byte[] Join(List<byte[]> lines)
        {
            byte[] content = new byte[lines.Sum(l => l.Length + 1)];
            int at = 0;
            foreach (byte[] line in lines)
            {
                line.CopyTo(content, at);
                at += line.Length;
                content[at++] = (byte)'\n';
            }

            return content;
        }
    }
}
