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
/// against pinned keys and its root against the lines before it, each rolled file's link to the one before it,
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
            EvidenceFailure? failure = new FileWalk(files[f], set, first: f == 0, newest: f == files.Count - 1).Run();
            if (failure is not null)
            {
                return set.Report(failure);
            }
        }

        EvidenceFailure? external = CheckExternal(files, options);
        return set.Report(external);
    }

    private static EvidenceFailure? CheckExternal(IReadOnlyList<AuditFileImage> files, AuditVerifierOptions options)
    {
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

            if (checkpoint.Size > file.Count)
            {
                return new EvidenceFailure(file.Name, file.Count + 1L, EvidenceFailureKind.Truncated,
                    $"A checkpoint kept elsewhere signs {checkpoint.Size} lines; the file has {file.Count}.");
            }

            byte[] root = MerkleTree.Root(file.LeafHashes.AsSpan(0, (int)checkpoint.Size * MerkleTree.HashSize));
            if (!root.AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                return new EvidenceFailure(file.Name, checkpoint.Size, EvidenceFailureKind.Changed,
                    $"The first {checkpoint.Size} lines do not match the root of a checkpoint kept elsewhere.");
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

    // What carries from one file of the set to the next.
    private sealed class SetState(AuditVerifierOptions options)
    {
        private readonly HashSet<long> _seen = new();
        private readonly List<(long First, long Last)> _dropped = new();

        internal AuditVerifierOptions Options { get; } = options;

        internal List<string> Notices { get; } = new();

        internal string? PreviousClosingNote { get; set; }

        internal NoteVerifierKey? Key { get; set; }

        internal long LastSeq { get; set; }

        internal long Lines { get; set; }

        internal long Checkpoints { get; set; }

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

        internal bool See(long seq) => _seen.Add(seq);

        internal void Dropped(long first, long last) => _dropped.Add((first, last));

        internal EvidenceReport Report(EvidenceFailure? failure)
        {
            if (failure is null && _seen.Count > 0)
            {
                long missing = FirstMissing();
                if (missing > 0)
                {
                    Notices.Add($"seq {missing.ToString(CultureInfo.InvariantCulture)} is neither a line nor in an audit_dropped range of this set.");
                }
            }

            return new EvidenceReport(failure, Notices, Lines, Checkpoints);
        }

        private long FirstMissing()
        {
            long min = _seen.Min();
            long max = _seen.Max();
            for (long s = min; s <= max; s++)
            {
                if (!_seen.Contains(s) && !_dropped.Any(d => d.First <= s && s <= d.Last))
                {
                    return s;
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
        private readonly bool _first;
        private readonly bool _newest;
        private readonly MerkleFrontier _tree = new();

        // _claimed[i]: the leaf-hash prefix a checkpoint line recorded for line i, or Unclaimed.
        private readonly int[] _claimed;
        private readonly Dictionary<int, int> _claimedAt = new();
        private string? _origin;
        private int _lastCheckpoint = -1;
        private bool _lastClosed;
        private string? _lastNote;

        internal FileWalk(AuditFileImage file, SetState set, bool first, bool newest)
        {
            _file = file;
            _set = set;
            _first = first;
            _newest = newest;
            _claimed = new int[file.Count + 1];
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

                for (int k = 0; k + EvidenceLine.PrefixBytes <= prefixes.Length; k += EvidenceLine.PrefixBytes)
                {
                    long at = from + (k / EvidenceLine.PrefixBytes);
                    int prefix = (prefixes[k] << 16) | (prefixes[k + 1] << 8) | prefixes[k + 2];
                    if (at >= 0 && at < _claimed.Length && _claimed[at] == Unclaimed)
                    {
                        _claimed[at] = prefix;
                        _claimedAt.TryAdd(prefix, (int)at);
                    }
                }
            }
        }

        internal EvidenceFailure? Run()
        {
            for (int i = 0; i < _file.Count; i++)
            {
                if (_claimed[i] != Unclaimed && _claimed[i] != _file.Prefix(i))
                {
                    return Classify(i);
                }

                EvidenceFailure? failure = Line(i);
                if (failure is not null)
                {
                    return failure;
                }

                _tree.Append(_file.Leaf(i));
                _set.Lines++;
            }

            return End();
        }

        private EvidenceFailure? Line(int i)
        {
            ReadOnlySpan<byte> line = _file.Line(i);
            string? type = EvidenceLine.EventType(line);
            if (type == EvidenceLine.Checkpoint)
            {
                EvidenceFailure? failure = Judge(i);
                if (failure is not null)
                {
                    return failure;
                }

                _lastCheckpoint = i;
                _set.Checkpoints++;
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

                _set.Key = key;
                _set.Notices.Add($"{_file.Name}:{i + 1}: signing key rotated to {key.Name}+{key.KeyId:x8}.");
                return null;
            }

            if (type == EvidenceLine.TailRepaired)
            {
                EvidenceLine.TryGetLong(line, "bytes", out long bytes);
                _set.Notices.Add($"{_file.Name}:{i + 1}: reopened after a crash; {bytes} bytes of an unterminated line were cut.");
                return null;
            }

            if (line.IndexOf("\"event_type\":\"audit_dropped\""u8) >= 0
                && EvidenceLine.TryGetLong(line, "first_seq", out long first) && EvidenceLine.TryGetLong(line, "last_seq", out long last))
            {
                _set.Dropped(first, last);
            }

            long seq = EvidenceLine.Sequence(line);
            if (seq > 0)
            {
                if (!_set.See(seq))
                {
                    return Fail(i, EvidenceFailureKind.Inserted, $"seq {seq} appears a second time.");
                }

                if (seq < _set.LastSeq)
                {
                    return Fail(i, EvidenceFailureKind.Reordered, $"seq {seq} follows seq {_set.LastSeq}.");
                }

                _set.LastSeq = seq;
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
            _set.Key = key;
            string? previous = EvidenceLine.TryGetString(line, "previous", out string note) ? note : null;
            if (_first)
            {
                if (previous is not null)
                {
                    _set.Notices.Add($"{_file.Name}: the set starts after an earlier file (removed by retention, or not given).");
                }
            }
            else if (previous != _set.PreviousClosingNote)
            {
                return Fail(i, EvidenceFailureKind.Deleted, "This file does not follow the closing checkpoint of the file before it: a file between them is missing.");
            }

            return null;
        }

        // A checkpoint line at line index i: well-formed, signed by the file's key, for this file, of size i, root of lines [0, i).
        private EvidenceFailure? Judge(int i)
        {
            ReadOnlySpan<byte> line = _file.Line(i);
            if (_origin is null || _set.Key is null)
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

            if (checkpoint.Size != i)
            {
                return Fail(i, EvidenceFailureKind.CheckpointReplayed, $"A checkpoint of {checkpoint.Size} lines stands after line {i}.");
            }

            if (!_tree.Root().AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                return Fail(i, EvidenceFailureKind.Changed, $"Lines before this checkpoint do not match its signed root, and their recorded prefixes were altered to match.");
            }

            // The parts of the line outside the note: nothing signs them until the next checkpoint, so they must be exactly what the sink writes.
            long expectedFrom = _lastCheckpoint < 0 ? 0 : _lastCheckpoint;
            string canonical = EvidenceLine.FormatCheckpoint(DateTime.MinValue, expectedFrom, Prefixes((int)expectedFrom, i), text);
            const int timestampEnd = 14 + 28;
            if (from != expectedFrom || line.Length != Encoding.UTF8.GetByteCount(canonical) - 1
                || !line[timestampEnd..].SequenceEqual(Encoding.UTF8.GetBytes(canonical).AsSpan(timestampEnd, line.Length - timestampEnd))
                || prefixes.Length == 0 && i > expectedFrom)
            {
                return Fail(i, EvidenceFailureKind.Changed, "A checkpoint line differs from the line its sink wrote.");
            }

            _lastClosed = checkpoint.IsClosed;
            _lastNote = text;
            return null;
        }

        private EvidenceFailure? CheckSignature(int i, SignedNote note)
        {
            NoteVerifierKey key = _set.Key!;
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

            // An unknown name or key ID over a signature the file's key made: the key name or ID bytes were edited.
            return key.Verify(message, only.Signature)
                ? Fail(i, EvidenceFailureKind.Changed, "A checkpoint's key name or key ID was changed.")
                : Fail(i, EvidenceFailureKind.UnknownKey, $"A checkpoint is signed by {only.Name}+{only.KeyId:x8}, which is not pinned.");
        }

        // The first line whose leaf hash differs from what a checkpoint recorded for its place: say what happened there.
        private EvidenceFailure Classify(int i)
        {
            int actual = _file.Prefix(i);
            int claimed = _claimed[i];
            if (_claimedAt.TryGetValue(actual, out int m) && m != i && m < _file.Count && _file.Prefix(m) == claimed)
            {
                return Fail(i, EvidenceFailureKind.Reordered, $"Line {i + 1} was signed as line {m + 1}, and line {m + 1} holds the line signed here.");
            }

            if (i + 1 < _file.Count && _file.Prefix(i + 1) == claimed)
            {
                return Fail(i, EvidenceFailureKind.Inserted, $"Line {i + 1} was not signed here; the line signed here follows it.");
            }

            if (_claimed[i + 1] == actual)
            {
                return Fail(i, EvidenceFailureKind.Deleted, $"The line signed as line {i + 1} is missing; the line here was signed as the next one.");
            }

            if (EvidenceLine.EventType(_file.Line(i)) == EvidenceLine.Checkpoint && Judge(i) is { Kind: not EvidenceFailureKind.Changed } verdict)
            {
                return verdict;
            }

            return Fail(i, EvidenceFailureKind.Changed, $"Line {i + 1} is not the line that was signed.");
        }

        private EvidenceFailure? End()
        {
            if (_origin is null)
            {
                return Fail(0, EvidenceFailureKind.Changed, "The file has no evidence start line: it was not written through the evidence layer, or its beginning was replaced.");
            }

            bool mayBeOpen = _newest && _set.Options.Live;
            int trailing = _file.Count - (_lastCheckpoint + 1);
            if (_file.TornBytes > 0)
            {
                if (!mayBeOpen)
                {
                    return Fail(_file.Count, EvidenceFailureKind.Truncated, $"The file ends in an unterminated line ({_file.TornBytes} bytes) and no closing checkpoint.");
                }

                _set.Notices.Add($"{_file.Name}: ends in an unterminated line of {_file.TornBytes} bytes (a crash; the sink cuts it when it reopens the file).");
            }

            if (mayBeOpen)
            {
                if (trailing > 0)
                {
                    _set.Notices.Add($"{_file.Name}: the last {trailing} lines are not signed yet.");
                }
            }
            else if (trailing > 0 && _lastClosed)
            {
                return Fail(_lastCheckpoint + 1, EvidenceFailureKind.Inserted, "Lines after the file's closing checkpoint.");
            }
            else if (!_lastClosed)
            {
                return Fail(_file.Count, EvidenceFailureKind.Truncated, "The file ends before its closing checkpoint: its tail was cut.");
            }

            _set.PreviousClosingNote = _lastClosed && trailing == 0 ? _lastNote : null;
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
