using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Evidence.Merkle;
using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Evidence.Verification;

/// <summary>
/// Verifies a set of audit files written through <see cref="AuditEvidence.ToFile"/>: every checkpoint's signature
/// against pinned keys and its root against the lines it signs (the first N lines of the file, N at most its own
/// place, and more than the checkpoint before signed), each rolled file's link to the one before it,
/// the closing checkpoint, <c>seq</c> continuity, and optionally checkpoints kept elsewhere. Reports the first
/// line that fails and how.
/// </summary>
/// <remarks>
/// <para>
/// Detection rests on the signed roots: a root recomputed from the lines either matches or not, and two checkpoints
/// whose roots both match the same lines are consistent (RFC 9162 §2.1.4) by construction. To name the line and the
/// kind, the verifier also reads each checkpoint line's <c>leaf_prefixes</c> (three bytes of each leaf hash since the
/// checkpoint before): the first line whose hash differs from its prefix is the one reported, and the lines around it
/// say whether it was changed, deleted, inserted or moved.
/// </para>
/// </remarks>
public static class AuditVerifier
{
    /// <summary>Verifies the files of a rolled set, oldest first (see <see cref="AuditEvidence.RolledSet"/>).</summary>
    /// <param name="files">The files' paths, oldest first.</param>
    /// <param name="options">The pinned keys and expectations.</param>
    /// <returns>The report.</returns>
    /// <exception cref="System.IO.IOException">A file cannot be read.</exception>
    public static EvidenceReport Verify(IReadOnlyList<string> files, AuditVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(files);
        return Verify(files.Select(AuditFileImage.Read).ToList(), options);
    }

    /// <summary>Verifies files already read, oldest first.</summary>
    /// <param name="files">The files, oldest first; the last is the newest (the one a logger may still write).</param>
    /// <param name="options">The pinned keys and expectations.</param>
    /// <returns>The report.</returns>
    public static EvidenceReport Verify(IReadOnlyList<AuditFileImage> files, AuditVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        SetState set = new(options);
        for (int f = 0; f < files.Count; f++)
        {
            bool nextContinues = f + 1 < files.Count && StartReason(files[f + 1]) is not null;
            WalkInput input = new(set.PreviousClosingNote, set.Key, set.LastSeq, f == 0, f == files.Count - 1, options.Live, set.KeysId,
                nextContinues, set.PreviousSize, set.PreviousRoot, f == 0 ? string.Empty : files[f - 1].Name);
            WalkOutcome walk;
            if (files[f].Walked is { } memo && memo.Input == input)
            {
                walk = memo.Outcome;
            }
            else
            {
                walk = new FileWalk(files[f], set, input).Run();
                files[f].Walked = new WalkMemo(input, walk);
            }

            set.Add(walk);
            if (walk.Failure is not null)
            {
                return set.Report(walk.Failure);
            }
        }

        EvidenceFailure? external = CheckExternal(files, options);
        return set.Report(external);
    }

    private static EvidenceFailure? CheckExternal(IReadOnlyList<AuditFileImage> files, AuditVerifierOptions options)
    {
        // Many checkpoints kept elsewhere (every one a sink shipped): the roots they sign come from one pass over each
        // file's leaves, and their lines from one index of each file's checkpoint lines, not a pass over the file for each.
        Dictionary<AuditFileImage, Dictionary<long, byte[]>> roots = ExternalRoots(files, options.ExternalCheckpoints);
        Dictionary<AuditFileImage, Dictionary<string, int>> checkpointLines = new();
        foreach (string text in options.ExternalCheckpoints)
        {
            SignedNote note;
            Checkpoint checkpoint;
            try
            {
                note = SignedNote.Parse(text);
                checkpoint = Checkpoint.Parse(note.Text);
            }
            catch (FormatException e)
            {
                return new EvidenceFailure("(external checkpoint)", 0, EvidenceFailureKind.Changed, "The external checkpoint is malformed: " + e.Message);
            }

            if (!options.Keys.Any(note.IsSignedBy))
            {
                return new EvidenceFailure("(external checkpoint)", 0, EvidenceFailureKind.UnknownKey, "The external checkpoint is not signed by a pinned key.");
            }

            AuditFileImage? file = files.FirstOrDefault(f => OriginOf(f) == checkpoint.Origin);
            if (file is null)
            {
                return new EvidenceFailure("(external checkpoint)", 0, EvidenceFailureKind.Deleted, $"No file of the set has the origin {checkpoint.Origin}: it was removed.");
            }

            // A checkpoint is shipped only once its own line is in the file, as the line after the ones it signs: a file
            // cut right before that line (after a checkpoint just before it) has every signed line and is still cut.
            if (checkpoint.Size >= file.Count)
            {
                return new EvidenceFailure(file.Name, file.Count + 1L, EvidenceFailureKind.Truncated,
                    $"A checkpoint kept elsewhere signs {checkpoint.Size} lines and was written after them, as line {checkpoint.Size + 1} or later; the file has {file.Count}.");
            }

            byte[] root = roots[file][checkpoint.Size];
            if (!root.AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                return new EvidenceFailure(file.Name, checkpoint.Size, EvidenceFailureKind.Changed,
                    $"The first {checkpoint.Size} lines do not match the root of a checkpoint kept elsewhere.");
            }

            // A checkpoint that signs a snapshot stood some lines after the last one it signs, and nothing signs those
            // lines or its own line until the next checkpoint: a cut between them leaves every signed line. Its line
            // was in the file when it was shipped, so a file without it lost its tail.
            if (!checkpointLines.TryGetValue(file, out Dictionary<string, int>? lastLine))
            {
                lastLine = CheckpointLines(file);
                checkpointLines[file] = lastLine;
            }

            if (!lastLine.TryGetValue(note.Text, out int at) || at < checkpoint.Size)
            {
                return new EvidenceFailure(file.Name, file.Count + 1L, EvidenceFailureKind.Truncated,
                    $"A checkpoint kept elsewhere signs {checkpoint.Size} lines and was written after them; its line is not in the file of {file.Count}.");
            }
        }

        return null;
    }

    // The roots of the first N lines of each file for every N an external checkpoint of that file signs (N below the
    // file's line count), from one pass over the file's leaves.
    private static Dictionary<AuditFileImage, Dictionary<long, byte[]>> ExternalRoots(IReadOnlyList<AuditFileImage> files, IReadOnlyList<string> texts)
    {
        Dictionary<AuditFileImage, SortedSet<long>> sizes = new();
        foreach (string text in texts)
        {
            Checkpoint checkpoint;
            try
            {
                checkpoint = Checkpoint.Parse(SignedNote.Parse(text).Text);
            }
            catch (FormatException)
            {
                continue;
            }

            AuditFileImage? file = files.FirstOrDefault(f => OriginOf(f) == checkpoint.Origin);
            if (file is not null && checkpoint.Size < file.Count)
            {
                if (!sizes.TryGetValue(file, out SortedSet<long>? set))
                {
                    set = new SortedSet<long>();
                    sizes[file] = set;
                }

                set.Add(checkpoint.Size);
            }
        }

        Dictionary<AuditFileImage, Dictionary<long, byte[]>> roots = new();
        foreach ((AuditFileImage file, SortedSet<long> set) in sizes)
        {
            MerkleFrontier tree = new();
            Dictionary<long, byte[]> at = new();
            foreach (long size in set)
            {
                while (tree.Size < size)
                {
                    tree.Append(file.Leaf((int)tree.Size));
                }

                at[size] = tree.Root();
            }

            roots[file] = at;
        }

        return roots;
    }

    // The last index of a checkpoint line with each note text in the file (its signatures aside).
    private static Dictionary<string, int> CheckpointLines(AuditFileImage file)
    {
        Dictionary<string, int> last = new(StringComparer.Ordinal);
        for (int i = 0; i < file.Count; i++)
        {
            ReadOnlySpan<byte> line = file.Line(i);
            if (EvidenceLine.EventType(line) != EvidenceLine.Checkpoint || !EvidenceLine.TryGetString(line, "note", out string text))
            {
                continue;
            }

            try
            {
                last[SignedNote.Parse(text).Text] = i;
            }
            catch (FormatException)
            {
                // An unreadable checkpoint line is no external checkpoint's line (the walk names it).
            }
        }

        return last;
    }

    // Whether the file holds, after its first `size` lines, a checkpoint line whose note has this text (its signatures
    // aside: a note kept elsewhere may carry a witness's cosignature too).
    private static bool HasCheckpointLine(AuditFileImage file, long size, string checkpointText)
    {
        for (long i = size; i < file.Count; i++)
        {
            ReadOnlySpan<byte> line = file.Line((int)i);
            if (EvidenceLine.EventType(line) != EvidenceLine.Checkpoint || !EvidenceLine.TryGetString(line, "note", out string text))
            {
                continue;
            }

            try
            {
                if (SignedNote.Parse(text).Text == checkpointText)
                {
                    return true;
                }
            }
            catch (FormatException)
            {
                // An unreadable checkpoint line is not this one (the walk names it).
            }
        }

        return false;
    }

    // The reason of a file's start line when the file sink went on in it after the file before was renamed, deleted or
    // truncated under it (null for a new file or a roll).
    private static string? StartReason(AuditFileImage file)
    {
        for (int i = 0; i < file.Count; i++)
        {
            ReadOnlySpan<byte> line = file.Line(i);
            if (EvidenceLine.EventType(line) == EvidenceLine.Start)
            {
                return EvidenceLine.TryGetString(line, "reason", out string reason) ? reason : null;
            }
        }

        return null;
    }

    private static string? OriginOf(AuditFileImage file)
    {
        for (int i = 0; i < file.Count; i++)
        {
            ReadOnlySpan<byte> line = file.Line(i);
            if (EvidenceLine.EventType(line) == EvidenceLine.Start)
            {
                return EvidenceLine.TryGetString(line, "origin", out string origin) ? origin : null;
            }
        }

        return null;
    }

    // What one file's walk starts from: a pure function of this and the file's bytes, so a file verified before
    // with the same start is not walked again (verifying a growing set again, or many edits of one file of a set).
    internal sealed record WalkInput(
        string? PreviousClosingNote, NoteVerifierKey? Key, long LastSeq, bool First, bool Newest, bool Live, string KeysId,
        bool NextContinues, long PreviousSize, string PreviousRoot, string PreviousName);

    internal sealed record WalkMemo(WalkInput Input, WalkOutcome Outcome);

    internal sealed record WalkOutcome(
        EvidenceFailure? Failure, string? ClosingNote, NoteVerifierKey? Key, long LastSeq, long Lines, long Checkpoints,
        IReadOnlyList<string> Notices, HashSet<long> Seen, IReadOnlyList<(long First, long Last)> Dropped, long Size, string Root);

    // What carries from one file of the set to the next.
    private sealed class SetState(AuditVerifierOptions options)
    {
        private readonly List<WalkOutcome> _walks = new();

        internal AuditVerifierOptions Options { get; } = options;

        internal string KeysId { get; } = string.Join(",", options.Keys);

        internal string? PreviousClosingNote { get; private set; }

        internal NoteVerifierKey? Key { get; private set; }

        internal long LastSeq { get; private set; }

        // The whole tree of the file before (its size and base64 root), which a start line with a reason commits to.
        internal long PreviousSize { get; private set; }

        internal string PreviousRoot { get; private set; } = string.Empty;

        internal NoteVerifierKey? Pinned(string name, uint id)
            => Options.Keys.FirstOrDefault(k => k.Name == name && k.KeyId == id);

        internal NoteVerifierKey? Pinned(string verifierKey)
        {
            try
            {
                NoteVerifierKey key = NoteVerifierKey.Parse(verifierKey);
                return Pinned(key.Name, key.KeyId) is { } pinned && pinned.PublicKey.SequenceEqual(key.PublicKey) ? pinned : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        internal void Add(WalkOutcome walk)
        {
            _walks.Add(walk);
            PreviousClosingNote = walk.ClosingNote;
            Key = walk.Key;
            LastSeq = walk.LastSeq;
            PreviousSize = walk.Size;
            PreviousRoot = walk.Root;
        }

        internal EvidenceReport Report(EvidenceFailure? failure)
        {
            List<string> notices = _walks.SelectMany(w => w.Notices).ToList();
            if (failure is null)
            {
                long missing = FirstMissing();
                if (missing > 0)
                {
                    notices.Add($"seq {missing.ToString(CultureInfo.InvariantCulture)} is neither a line nor in an audit_dropped range of this set.");
                }
            }

            return new EvidenceReport(failure, notices, _walks.Sum(w => w.Lines), _walks.Sum(w => w.Checkpoints));
        }

        private long FirstMissing()
        {
            HashSet<long> seen = new();
            foreach (WalkOutcome walk in _walks)
            {
                seen.UnionWith(walk.Seen);
            }

            if (seen.Count == 0)
            {
                return 0;
            }

            // One sweep over the seqs and the drop ranges, sorted by where they start (not seq by seq: a drop range may
            // span 2^62 seqs, and a set may hold many drop records).
            long max = seen.Max();
            List<(long First, long Last)> covered = _walks.SelectMany(w => w.Dropped).Where(d => d.First <= d.Last).ToList();
            covered.AddRange(seen.Select(s => (s, s)));
            covered.Sort((a, b) => a.First.CompareTo(b.First));
            long next = seen.Min();
            foreach ((long first, long last) in covered)
            {
                if (first > next)
                {
                    return next;
                }

                if (last >= next)
                {
                    if (last >= max)
                    {
                        return 0;
                    }

                    next = last + 1;
                }
            }

            return 0;
        }
    }

    // One pass over one file.
    private sealed class FileWalk
    {
        private const int Unclaimed = -1;

        private readonly AuditFileImage _file;
        private readonly SetState _set;
        private readonly WalkInput _input;
        private readonly MerkleFrontier _tree = new();
        private readonly List<string> _notices = new();
        private readonly HashSet<long> _seen = new();
        private readonly List<(long First, long Last)> _dropped = new();
        private NoteVerifierKey? _key;
        private long _lastSeq;
        private long _lines;
        private long _checkpoints;
        private string? _closingNote;

        // _claimed[i]: the leaf-hash prefix a checkpoint line recorded for line i, or Unclaimed.
        private readonly int[] _claimed;

        // _claimedBy[i]: the checkpoint line that recorded _claimed[i].
        private readonly int[] _claimedBy;
        private readonly HashSet<int> _claimedPrefixes = new();

        // The lines each checkpoint line's leaf_prefixes cover (from, count): forgetting its claims looks only there.
        private readonly Dictionary<int, (long From, int Count)> _claimRanges = new();

        // Roots ClaimerIntact computed, by tree size: copies of one note on many lines must not hash the lines each time.
        private readonly Dictionary<long, byte[]> _claimerRoots = new();
        private string? _origin;
        private int _lastCheckpoint = -1;

        // The tree size the last valid checkpoint signs (0 before the first): the next one's leaf_prefixes start there.
        private long _lastSigned;

        // The tree sizes checkpoint lines of this file say they sign (from + their prefix count), and the roots the walk
        // saw at those sizes: a checkpoint may stand some lines after the last line it signs.
        private readonly HashSet<long> _signedSizes = new();
        private readonly Dictionary<long, byte[]> _rootsAt = new();
        private bool _lastClosed;
        private string? _lastNote;

        internal FileWalk(AuditFileImage file, SetState set, WalkInput input)
        {
            _file = file;
            _set = set;
            _input = input;
            _key = input.Key;
            _lastSeq = input.LastSeq;
            _claimed = new int[file.Count + 1];
            _claimedBy = new int[file.Count + 1];
            Array.Fill(_claimed, Unclaimed);
            for (int i = 0; i < file.Count; i++)
            {
                ReadOnlySpan<byte> line = file.Line(i);
                if (EvidenceLine.EventType(line) != EvidenceLine.Checkpoint
                    || !EvidenceLine.TryGetLong(line, "from", out long from)
                    || !EvidenceLine.TryGetString(line, "leaf_prefixes", out string encoded))
                {
                    continue;
                }

                byte[] prefixes;
                try
                {
                    prefixes = Convert.FromBase64String(encoded);
                }
                catch (FormatException)
                {
                    continue;
                }

                _signedSizes.Add(from + (prefixes.Length / EvidenceLine.PrefixBytes));
                _claimRanges[i] = (from, prefixes.Length / EvidenceLine.PrefixBytes);
                for (int k = 0; k + EvidenceLine.PrefixBytes <= prefixes.Length; k += EvidenceLine.PrefixBytes)
                {
                    long at = from + (k / EvidenceLine.PrefixBytes);
                    int prefix = (prefixes[k] << 16) | (prefixes[k + 1] << 8) | prefixes[k + 2];
                    if (at >= 0 && at < _claimed.Length && _claimed[at] == Unclaimed)
                    {
                        _claimed[at] = prefix;
                        _claimedBy[at] = i;
                        _claimedPrefixes.Add(prefix);
                    }
                }
            }
        }

        internal WalkOutcome Run()
        {
            EvidenceFailure? failure = Walk();
            return new WalkOutcome(failure, _closingNote, _key, _lastSeq, _lines, _checkpoints, _notices, _seen, _dropped, _tree.Size, Convert.ToBase64String(_tree.Root()));
        }

        private EvidenceFailure? Walk()
        {
            for (int i = 0; i < _file.Count; i++)
            {
                if (_claimed[i] != Unclaimed && _claimed[i] != _file.Prefix(i))
                {
                    if (ClaimerIntact(_claimedBy[i]))
                    {
                        return Classify(i);
                    }

                    // The checkpoint line that recorded this prefix was itself altered: it fails when the walk reaches it.
                    ForgetClaims(_claimedBy[i]);
                }

                EvidenceFailure? failure = Line(i);
                if (failure is not null)
                {
                    return failure;
                }

                _tree.Append(_file.Leaf(i));
                _lines++;
                if (_signedSizes.Contains(_tree.Size))
                {
                    _rootsAt[_tree.Size] = _tree.Root();
                }
            }

            return End();
        }

        private EvidenceFailure? Line(int i)
        {
            ReadOnlySpan<byte> line = _file.Line(i);
            string? type = EvidenceLine.EventType(line);
            if (type == EvidenceLine.Checkpoint)
            {
                if (_lastClosed && _lastCheckpoint == i - 1)
                {
                    // A sink never writes a checkpoint right after its closing one (a reopened file gets lines first).
                    return Fail(i, EvidenceFailureKind.Inserted, "A checkpoint line after the file's closing checkpoint.");
                }

                EvidenceFailure? failure = Judge(i);
                if (failure is not null)
                {
                    return failure;
                }

                _lastCheckpoint = i;
                _checkpoints++;
                return null;
            }

            if (type == EvidenceLine.Start)
            {
                return Start(i, line);
            }

            if (type == EvidenceLine.KeyRotated)
            {
                if (!EvidenceLine.TryGetString(line, "key", out string text))
                {
                    return Fail(i, EvidenceFailureKind.Changed, "A key rotation record is malformed.");
                }

                NoteVerifierKey? key = _set.Pinned(text);
                if (key is null)
                {
                    return Fail(i, EvidenceFailureKind.UnknownKey, $"The file rotates to the key {text}, which is not pinned.");
                }

                _key = key;
                _notices.Add($"{_file.Name}:{i + 1}: signing key rotated to {key.Name}+{key.KeyId:x8}.");
                return null;
            }

            if (type == EvidenceLine.TailRepaired)
            {
                EvidenceLine.TryGetLong(line, "bytes", out long bytes);
                _notices.Add($"{_file.Name}:{i + 1}: reopened after a crash; {bytes} bytes of an unterminated line were cut.");
                return null;
            }

            if (line.IndexOf("\"event_type\":\"audit_dropped\""u8) >= 0
                && EvidenceLine.TryGetLong(line, "first_seq", out long first) && EvidenceLine.TryGetLong(line, "last_seq", out long last))
            {
                _dropped.Add((first, last));
            }

            long seq = EvidenceLine.Sequence(line);
            if (seq > 0)
            {
                if (!_seen.Add(seq))
                {
                    return Fail(i, EvidenceFailureKind.Inserted, $"seq {seq} appears a second time.");
                }

                if (seq < _lastSeq)
                {
                    return Fail(i, EvidenceFailureKind.Reordered, $"seq {seq} follows seq {_lastSeq}.");
                }

                _lastSeq = seq;
            }

            return null;
        }

        private EvidenceFailure? Start(int i, ReadOnlySpan<byte> line)
        {
            if (_origin is not null)
            {
                return Fail(i, EvidenceFailureKind.Inserted, "A second evidence start line in one file.");
            }

            if (!EvidenceLine.TryGetString(line, "origin", out string origin) || !EvidenceLine.TryGetString(line, "key", out string keyText))
            {
                return Fail(i, EvidenceFailureKind.Changed, "The evidence start line is malformed.");
            }

            NoteVerifierKey? key = _set.Pinned(keyText);
            if (key is null)
            {
                return Fail(i, EvidenceFailureKind.UnknownKey, $"The file is signed with {keyText}, which is not pinned.");
            }

            _origin = origin;
            _key = key;
            string? previous = EvidenceLine.TryGetString(line, "previous", out string note) ? note : null;
            if (EvidenceLine.TryGetString(line, "reason", out string reason) && Continued(i, line, reason) is { } cut)
            {
                return cut; // the whole tree before, checked first: it names the line a cut or edit of the file before took
            }

            if (_input.First)
            {
                if (previous is not null)
                {
                    _notices.Add($"{_file.Name}: the set starts after an earlier file (removed by retention, or not given).");
                }
            }
            else if (previous != _input.PreviousClosingNote)
            {
                return Fail(i, EvidenceFailureKind.Deleted, "This file does not follow the closing checkpoint of the file before it: a file between them is missing.");
            }

            return null;
        }

        // A start line written when the file sink went on in a new file (the one before renamed or deleted under it) or
        // in its file truncated under it: it commits to the whole tree before, lines after its last checkpoint included.
        private EvidenceFailure? Continued(int i, ReadOnlySpan<byte> line, string reason)
        {
            if (!EvidenceLine.TryGetLong(line, "previous_size", out long size) || !EvidenceLine.TryGetString(line, "previous_root", out string root))
            {
                return Fail(i, EvidenceFailureKind.Changed, "The evidence start line is malformed.");
            }

            string how = reason == EvidenceLine.ReasonTruncated ? "truncated under the logger (copytruncate)" : "renamed or deleted under the logger";
            _notices.Add($"{_file.Name}:{i + 1}: the file before was {how}; this file goes on from its {size} lines.");
            if (_input.First)
            {
                return null;
            }

            string previousName = _input.PreviousName;
            if (size > _input.PreviousSize)
            {
                return new EvidenceFailure(previousName, _input.PreviousSize + 1, EvidenceFailureKind.Truncated,
                    $"The file before has {_input.PreviousSize} lines; the logger wrote {size} there before it was {how}: its tail was cut.");
            }

            if (size < _input.PreviousSize)
            {
                return new EvidenceFailure(previousName, size + 1, EvidenceFailureKind.Inserted,
                    $"The file before has {_input.PreviousSize} lines; the logger wrote {size} there before it was {how}.");
            }

            return root == _input.PreviousRoot
                ? null
                : new EvidenceFailure(previousName, size, EvidenceFailureKind.Changed, $"The {size} lines of the file before do not match the tree this file commits to.");
        }

        // A checkpoint line at line index i: well-formed, signed by the file's key, for this file, of a size s past the
        // size the checkpoint before signed and at most i (exactly i when closing), root of lines [0, s), with the
        // prefixes of lines [previous size, s).
        private EvidenceFailure? Judge(int i)
        {
            ReadOnlySpan<byte> line = _file.Line(i);
            if (_origin is null || _key is null)
            {
                return Fail(i, EvidenceFailureKind.Inserted, "A checkpoint before the file's evidence start line.");
            }

            if (!EvidenceLine.TryGetLong(line, "from", out long from) || !EvidenceLine.TryGetString(line, "note", out string text)
                || !EvidenceLine.TryGetString(line, "leaf_prefixes", out string prefixes))
            {
                return Fail(i, EvidenceFailureKind.Changed, "A checkpoint line is malformed.");
            }

            SignedNote note;
            try
            {
                note = SignedNote.Parse(text);
            }
            catch (FormatException e)
            {
                return Fail(i, EvidenceFailureKind.Changed, "A checkpoint's note is malformed: " + e.Message);
            }

            EvidenceFailure? signature = CheckSignature(i, note);
            if (signature is not null)
            {
                return signature;
            }

            Checkpoint checkpoint;
            try
            {
                checkpoint = Checkpoint.Parse(note.Text);
            }
            catch (FormatException e)
            {
                return Fail(i, EvidenceFailureKind.Changed, "A signed note is not a checkpoint: " + e.Message);
            }

            if (checkpoint.Origin != _origin)
            {
                return Fail(i, EvidenceFailureKind.CheckpointReplayed, $"A checkpoint of another file (origin {checkpoint.Origin}).");
            }

            // A sink signs more lines each time, and never more than stand before the checkpoint line (a closing one: all of them).
            long expectedFrom = _lastSigned;
            if (checkpoint.Size > i || checkpoint.Size <= expectedFrom || (checkpoint.IsClosed && checkpoint.Size != i))
            {
                if (ClosingSize(i + 1) == i)
                {
                    // The closing checkpoint that follows signs every line before this one: this line was put in there.
                    return Fail(i, EvidenceFailureKind.Inserted, $"Line {i + 1} was not signed here; the closing checkpoint signed here follows it.");
                }

                return Fail(i, EvidenceFailureKind.CheckpointReplayed, checkpoint.Size <= expectedFrom
                    ? $"A checkpoint of {checkpoint.Size} lines stands after one of {expectedFrom} lines."
                    : $"A checkpoint of {checkpoint.Size} lines stands after line {i}.");
            }

            byte[] root = checkpoint.Size == i ? _tree.Root()
                : _rootsAt.TryGetValue(checkpoint.Size, out byte[]? seen) ? seen
                : MerkleTree.Root(_file.LeafHashes.AsSpan(0, (int)checkpoint.Size * MerkleTree.HashSize));
            if (!root.AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                return Fail(i, EvidenceFailureKind.Changed, $"Lines before this checkpoint do not match its signed root, and their recorded prefixes were altered to match.");
            }

            // The parts of the line outside the note: nothing signs them until the next checkpoint, so they must be exactly what the sink writes.
            string canonical = EvidenceLine.FormatCheckpoint(DateTime.MinValue, expectedFrom, Prefixes((int)expectedFrom, (int)checkpoint.Size), text);
            const int timestampEnd = 14 + 28;
            if (from != expectedFrom || line.Length != Encoding.UTF8.GetByteCount(canonical) - 1
                || !line[timestampEnd..].SequenceEqual(Encoding.UTF8.GetBytes(canonical).AsSpan(timestampEnd, line.Length - timestampEnd))
                || prefixes.Length == 0)
            {
                // A later checkpoint of this file put in place of this one: it signs fewer lines than stand before this place
                // (a snapshot), so only its leaf_prefixes, which start after a checkpoint this one does not follow, give it away.
                if (from != expectedFrom && HasCheckpointLine(_file, i + 1, note.Text))
                {
                    return Fail(i, EvidenceFailureKind.CheckpointReplayed, $"A checkpoint that stands later in the file, where it follows one of {from} lines.");
                }

                return Fail(i, EvidenceFailureKind.Changed, "A checkpoint line differs from the line its sink wrote.");
            }

            _lastSigned = checkpoint.Size;
            _lastClosed = checkpoint.IsClosed;
            _lastNote = text;
            return null;
        }

        private EvidenceFailure? CheckSignature(int i, SignedNote note)
        {
            NoteVerifierKey key = _key!;
            byte[] message = Encoding.UTF8.GetBytes(note.Text);
            if (note.Signatures.Count == 0)
            {
                return Fail(i, EvidenceFailureKind.Changed, "A checkpoint has no signature.");
            }

            foreach (NoteSignature signature in note.Signatures)
            {
                if (signature.Name == key.Name && signature.KeyId == key.KeyId)
                {
                    return key.Verify(message, signature.Signature)
                        ? null
                        : Fail(i, EvidenceFailureKind.Changed, "A checkpoint's signature does not verify: its text or signature was changed.");
                }
            }

            NoteSignature only = note.Signatures[0];
            NoteVerifierKey? other = _set.Pinned(only.Name, only.KeyId);
            if (other is not null && other.Verify(message, only.Signature))
            {
                return Fail(i, EvidenceFailureKind.UnknownKey, $"A checkpoint is signed by {other.Name}+{other.KeyId:x8}, which is pinned but not this file's key {key.Name}+{key.KeyId:x8} (no rotation record says so).");
            }

            // An unknown name or key ID over a signature the file's key made, or the file's key name with a signature one
            // base64 character away from one under the file's key ID: bytes of the signature line were edited.
            return key.Verify(message, only.Signature) || (only.Name == key.Name && OneCharacterApart(only, key.KeyId))
                ? Fail(i, EvidenceFailureKind.Changed, "A checkpoint's key name or key ID was changed.")
                : Fail(i, EvidenceFailureKind.UnknownKey, $"A checkpoint is signed by {only.Name}+{only.KeyId:x8}, which is not pinned.");
        }

        // Whether the checkpoint line q, whose recorded prefixes disagree with a line before it, is as its sink wrote it:
        // a later checkpoint's prefix for it matches; or, with none, its signed root does not match the lines as they
        // are (so some line did change, and the prefixes say which).
        private bool ClaimerIntact(int q)
        {
            // A later checkpoint recorded line q as it is (by content, not place: an edit before q moves q).
            if (_claimedPrefixes.Contains(_file.Prefix(q)))
            {
                return true;
            }

            // Nothing vouches for line q: trust its prefixes only if it is a validly signed checkpoint of this file whose
            // root disagrees with the lines as they are (so some line before it did change, and the prefixes say which).
            ReadOnlySpan<byte> line = _file.Line(q);
            if (_key is null || !EvidenceLine.TryGetString(line, "note", out string text))
            {
                return false;
            }

            try
            {
                SignedNote note = SignedNote.Parse(text);
                Checkpoint checkpoint = Checkpoint.Parse(note.Text);
                if (!note.IsSignedBy(_key) || checkpoint.Origin != _origin || checkpoint.Size > _file.Count)
                {
                    return false;
                }

                if (!_claimerRoots.TryGetValue(checkpoint.Size, out byte[]? root))
                {
                    root = MerkleTree.Root(_file.LeafHashes.AsSpan(0, (int)checkpoint.Size * MerkleTree.HashSize));
                    _claimerRoots[checkpoint.Size] = root;
                }

                return !root.AsSpan().SequenceEqual(checkpoint.RootHash);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private void ForgetClaims(int q)
        {
            if (!_claimRanges.TryGetValue(q, out (long From, int Count) range))
            {
                return;
            }

            long end = Math.Min(range.From + range.Count, _claimed.Length);
            for (long k = Math.Max(range.From, 0); k < end; k++)
            {
                if (_claimed[k] != Unclaimed && _claimedBy[k] == q)
                {
                    _claimed[k] = Unclaimed;
                }
            }
        }

        private static bool OneCharacterApart(NoteSignature signature, uint keyId)
        {
            byte[] blob = new byte[4 + signature.Signature.Length];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob, signature.KeyId);
            signature.Signature.CopyTo(blob, 4);
            string seen = Convert.ToBase64String(blob);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob, keyId);
            string expected = Convert.ToBase64String(blob);
            int differences = 0;
            for (int c = 0; c < seen.Length; c++)
            {
                differences += seen[c] != expected[c] ? 1 : 0;
            }

            return differences == 1;
        }

        // The first line whose leaf hash differs from what a checkpoint recorded for its place: say what happened there.
        private EvidenceFailure Classify(int i)
        {
            int actual = _file.Prefix(i);
            int claimed = _claimed[i];
            int signedSize = SignedSize(i);

            // The file's last two lines swapped: the line signed here is the last, and this one is a checkpoint signed as
            // standing after it (the closing checkpoint, which no later checkpoint records). Checked before an insertion,
            // which the last line alone cannot tell from this.
            if (i + 2 == _file.Count && signedSize == i + 1 && _file.Prefix(i + 1) == claimed)
            {
                return Fail(i, EvidenceFailureKind.Reordered, $"Line {i + 1} was signed as line {i + 2}, and line {i + 2} holds the line signed here.");
            }

            // The line signed here comes next, and the lines after it are shifted by one: a line was put in before it.
            if (i + 1 < _file.Count && _file.Prefix(i + 1) == claimed
                && (i + 2 >= _file.Count || (_claimed[i + 1] == Unclaimed ? signedSize != i + 1 : _file.Prefix(i + 2) == _claimed[i + 1])))
            {
                return Fail(i, EvidenceFailureKind.Inserted, $"Line {i + 1} was not signed here; the line signed here follows it.");
            }

            // The line signed here is further on, where this one was signed. Three-byte prefixes collide now and then
            // (a few pairs in 30,000 lines), so every later place recorded with this line's prefix is a candidate.
            for (int m = i + 1; m < _file.Count; m++)
            {
                if ((m == signedSize || _claimed[m] == actual) && _file.Prefix(m) == claimed)
                {
                    return Fail(i, EvidenceFailureKind.Reordered, $"Line {i + 1} was signed as line {m + 1}, and line {m + 1} holds the line signed here.");
                }
            }

            // The line signed here is missing: the next one was signed as its successor, or this is a checkpoint signed
            // as standing one line further on (the closing checkpoint, which no later checkpoint records).
            if (_claimed[i + 1] == actual || (signedSize == i + 1 && EvidenceLine.EventType(_file.Line(i)) == EvidenceLine.Checkpoint))
            {
                return Fail(i, EvidenceFailureKind.Deleted, $"The line signed as line {i + 1} is missing; the line here was signed as the next one.");
            }

            if (EvidenceLine.EventType(_file.Line(i)) == EvidenceLine.Checkpoint && Judge(i) is { Kind: not EvidenceFailureKind.Changed } verdict)
            {
                return verdict;
            }

            return Fail(i, EvidenceFailureKind.Changed, $"Line {i + 1} is not the line that was signed.");
        }

        // The tree size a validly signed closing checkpoint of this file at line i signs (its place), or -1.
        private long ClosingSize(int i)
        {
            if (i >= _file.Count || SignedSize(i) is var size && size < 0 || !EvidenceLine.TryGetString(_file.Line(i), "note", out string text))
            {
                return -1;
            }

            try
            {
                return Checkpoint.Parse(SignedNote.Parse(text).Text).IsClosed ? size : -1;
            }
            catch (FormatException)
            {
                return -1;
            }
        }

        // The tree size a validly signed checkpoint of this file at line i says it stands after (where it belongs), or -1.
        private int SignedSize(int i)
        {
            ReadOnlySpan<byte> line = _file.Line(i);
            if (_key is null || EvidenceLine.EventType(line) != EvidenceLine.Checkpoint || !EvidenceLine.TryGetString(line, "note", out string text))
            {
                return -1;
            }

            try
            {
                SignedNote note = SignedNote.Parse(text);
                Checkpoint checkpoint = Checkpoint.Parse(note.Text);
                return note.IsSignedBy(_key) && checkpoint.Origin == _origin && checkpoint.Size < int.MaxValue ? (int)checkpoint.Size : -1;
            }
            catch (FormatException)
            {
                return -1;
            }
        }

        private EvidenceFailure? End()
        {
            bool mayBeOpen = _input.Newest && _input.Live;
            if (_file.Count == 0 && _origin is null)
            {
                // A roll's new file before its first line (a crash right after the rename leaves it so).
                if (mayBeOpen)
                {
                    _notices.Add($"{_file.Name}: empty (a new file not written to yet).");
                    return null;
                }

                return Fail(0, EvidenceFailureKind.Truncated, "The file is empty: not even its evidence start line is there.");
            }

            if (_origin is null)
            {
                return Fail(0, EvidenceFailureKind.Changed, "The file has no evidence start line: it was not written through the evidence layer, or its beginning was replaced.");
            }

            int trailing = _file.Count - (_lastCheckpoint + 1);
            if (_file.TornBytes > 0)
            {
                if (!mayBeOpen)
                {
                    return Fail(_file.Count, EvidenceFailureKind.Truncated, $"The file ends in an unterminated line ({_file.TornBytes} bytes) and no closing checkpoint.");
                }

                _notices.Add($"{_file.Name}: ends in an unterminated line of {_file.TornBytes} bytes (a crash; the sink cuts it when it reopens the file).");
            }

            if (mayBeOpen)
            {
                // Lines no checkpoint signs yet, other than the last checkpoint line itself (the next one signs it).
                int unsigned = _lastCheckpoint < 0 ? _file.Count : _file.Count - (int)_lastSigned - 1;
                if (unsigned > 0)
                {
                    _notices.Add($"{_file.Name}: the last {unsigned} lines are not signed yet.");
                }
            }
            else if (trailing > 0 && _lastClosed)
            {
                return Fail(_lastCheckpoint + 1, EvidenceFailureKind.Inserted, "Lines after the file's closing checkpoint.");
            }
            else if (_input.NextContinues && !_lastClosed)
            {
                // Renamed, deleted or truncated under the logger: the next file's start line commits to all of these lines.
                _notices.Add($"{_file.Name}: no closing checkpoint (the file was rotated under the logger; the next file commits to its {_file.Count} lines).");
            }
            else if (!_lastClosed)
            {
                return Fail(_file.Count, EvidenceFailureKind.Truncated, "The file ends before its closing checkpoint: its tail was cut.");
            }

            _closingNote = _lastClosed && trailing == 0 ? _lastNote : _input.NextContinues && !mayBeOpen ? _lastNote : null;
            return null;
        }

        private byte[] Prefixes(int from, int to)
        {
            byte[] prefixes = new byte[(to - from) * EvidenceLine.PrefixBytes];
            for (int k = from; k < to; k++)
            {
                _file.Leaf(k)[..EvidenceLine.PrefixBytes].CopyTo(prefixes.AsSpan((k - from) * EvidenceLine.PrefixBytes));
            }

            return prefixes;
        }

        private EvidenceFailure Fail(int index, EvidenceFailureKind kind, string message)
            => new(_file.Name, index + 1L, kind, message);
    }
}
