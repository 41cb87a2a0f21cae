using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Infernum.Audit.Fast.Evidence.Merkle;
using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Evidence;

/// <summary>
/// A file sink that hashes every line it writes into the file's RFC 9162 Merkle tree and appends signed checkpoints.
/// </summary>
/// <remarks>
/// <para>
/// It wraps a plain file sink that never rolls, and rolls itself, so it can close each file with a checkpoint and
/// open the next with a line that commits to it. Lines are hashed after the inner sink accepted them: a failed write
/// is retried by the logger and must not be in the tree twice.
/// </para>
/// <para>
/// Threads: the logger's writer thread calls <see cref="Write"/> and <see cref="Flush"/>; a timer thread writes a
/// checkpoint when lines stopped coming. <see cref="_gate"/> serialises the two (uncontended on the writer's path:
/// the timer fires once per interval). Callers of the logger never reach this class. The lines are hashed on a
/// <see cref="LeafHashingThread"/>, in file order. A checkpoint either drains it and signs exactly the lines before
/// it (a close, a roll, the timer, or a count checkpoint with little left to hash), or, when hashing is far behind,
/// signs a snapshot the hashing thread takes between two lines: a prefix of the lines before it, the rest signed by
/// the next checkpoint. So the writer never waits for a backlog of hashing at a count checkpoint.
/// </para>
/// <para>
/// Owners: <see cref="_tree"/> is written by the hashing thread between a hand-over and the next drain, and by the
/// holder of <see cref="_gate"/> only after a drain (or in the constructor before any hand-over). The prefix buffer
/// and the snapshot (from <see cref="_snapshotLock"/> down) are shared as their comments say. Everything else from
/// <see cref="_inner"/> down is the holder of <see cref="_gate"/>'s.
/// </para>
/// </remarks>
internal sealed class EvidenceFileSink : AuditSink
{
    // A checkpoint due while the hashing thread has at most this much left to hash waits for it and signs exactly the
    // lines before it (at most about a hundred microseconds of hashing); further behind, it signs a snapshot instead.
    private const long ExactCheckpointBacklogBytes = 64 * 1024;

    // The longest a checkpoint waits for the hashing thread's snapshot before it waits for the whole backlog instead.
    private const int SnapshotWaitMilliseconds = 100;

    private readonly object _gate = new();
    private readonly string _path;
    private readonly AuditFileOptions _fileOptions;
    private readonly AuditFileOptions _innerOptions;
    private readonly AuditEvidenceOptions _options;
    private readonly string _verifierKey;
    private readonly MerkleFrontier _tree = new();
    private readonly Timer _timer;
    private readonly long _lastSequenceNumber;
    private readonly CheckpointLineWriter _checkpoints;
    private readonly LeafHashingThread _hasher;

    // Guarded by _gate from here down.
    private AuditSink _inner;
    private long _repairedBytes;
    private long _length;
    private string _origin = string.Empty;
    private bool _needStart;

    // The inner sink is disposed: a roll renamed the file but could not open the new one yet.
    private bool _closed;

    // The tree size the last checkpoint signed (0 before the first): the next one's leaf_prefixes start there.
    private long _from;

    // The index of the last checkpoint line (0 before the first): lines since it make the next one due.
    private long _segmentStart;

    // Leaves in the tree once the hashing thread has caught up: _tree.Size after a drain.
    private long _size;

    // The leaf_prefixes of a checkpoint signed from a snapshot, copied out of _prefixes under _snapshotLock.
    private byte[] _snapshotPrefixes = new byte[EvidenceLine.PrefixBytes * 1024];

    // Shared with the hashing thread from here down: written by it between a hand-over and the next drain, under
    // _snapshotLock where marked; read by the writer under _snapshotLock, or freely after a drain.
    private readonly object _snapshotLock = new();

    // Leaf-hash prefixes of the leaves from _prefixBase on (_prefixCount of them). Grown under _snapshotLock.
    private byte[] _prefixes = new byte[EvidenceLine.PrefixBytes * 1024];
    private int _prefixCount;
    private long _prefixBase;

    // Prefixes below this leaf are signed by a checkpoint in the file: the hashing thread drops them (under the lock).
    private long _discardTo;

    // A snapshot the writer asked for (_snapshotWanted) and the hashing thread took after a run of lines: the tree's
    // size and root at that moment. Under the lock, but _snapshotWanted, which the hashing thread polls once a run.
    private bool _snapshotWanted;
    private bool _snapshotReady;
    private long _snapshotSize;
    private readonly byte[] _snapshotRoot = new byte[MerkleTree.HashSize];
    private long _lastCheckpointTicks = Stopwatch.GetTimestamp();
    private bool _lastLineIsClosingCheckpoint;
    private bool _disposed;

    internal EvidenceFileSink(string path, AuditFileOptions? fileOptions, AuditEvidenceOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SigningKey is null)
        {
            throw new ArgumentException("AuditEvidenceOptions.SigningKey is required.", nameof(options));
        }

        _path = Path.GetFullPath(path);
        _fileOptions = fileOptions ?? AuditFileOptions.Default;
        _options = options;
        _verifierKey = options.SigningKey.VerifierKey.ToString();
        _checkpoints = new CheckpointLineWriter(options.SigningKey);
        Action<string, long>? onRepaired = _fileOptions.OnRepaired;
        _innerOptions = _fileOptions with
        {
            MaxFileBytes = 0,
            OnRepaired = (file, bytes) =>
            {
                _repairedBytes = bytes;
                onRepaired?.Invoke(file, bytes);
            },
            OnReopened = OnInnerReopened,
        };

        _hasher = new LeafHashingThread(HashLines);
        try
        {
            _inner = AuditSink.ToFile(_path, _innerOptions);
        }
        catch
        {
            _hasher.Dispose();
            throw;
        }

        try
        {
            _lastSequenceNumber = Resume();
        }
        catch
        {
            _inner.Dispose();
            _hasher.Dispose();
            throw;
        }

        _timer = new Timer(OnTimer, null, options.CheckpointInterval, options.CheckpointInterval);
    }

    /// <summary>Times the file sink went on in another file at the path, or a truncated one (each starts a new tree).</summary>
    internal long Reopens { get; private set; }

    /// <summary>
    /// Tests only: runs on the hashing thread before each hand-over it hashes. A test slows hashing down with it, so that
    /// count checkpoints find the hashing thread far behind (and sign snapshots) however fast the machine is.
    /// </summary>
    internal Action? BeforeHashing { get; set; }

    /// <summary>Tests only: the file sink underneath.</summary>
    internal Sinks.FileAuditSink? InnerFile => _inner as Sinks.FileAuditSink;

    /// <summary>Checkpoints that could not be written (each is retried at the next batch, interval or close).</summary>
    internal long CheckpointErrors { get; private set; }

    public override long LastSequenceNumber => _lastSequenceNumber;

    // Lines no checkpoint signs other than the last checkpoint line itself: after a checkpoint that signed a snapshot,
    // the lines between what it signed and its own line too, which the timer must sign when no more lines come.
    private bool HasUnsignedLines => _size - _from > 1;

    public override void Write(ReadOnlySpan<byte> lines)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_closed)
            {
                _inner = AuditSink.ToFile(_path, _innerOptions);
                _closed = false;
            }

            FollowInner();
            if (_fileOptions.MaxFileBytes > 0 && _length > 0 && _length + lines.Length > _fileOptions.MaxFileBytes)
            {
                Roll();
            }

            if (_needStart)
            {
                WriteOwn(EvidenceLine.FormatStart(DateTime.UtcNow, _origin, _verifierKey, _checkpoints.LastNote));
                _needStart = false;
            }

            _inner.Write(lines);
            _length += lines.Length;
            AppendLines(lines);
            if (_size - _segmentStart >= _options.CheckpointLines)
            {
                TryCheckpoint(mayDefer: true);
            }
        }
    }

    public override void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (HasUnsignedLines && Stopwatch.GetElapsedTime(_lastCheckpointTicks) >= _options.CheckpointInterval)
            {
                TryCheckpoint(mayDefer: false);
            }

            if (!_closed)
            {
                _inner.Flush();
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        using (ManualResetEvent timerDone = new(false))
        {
            if (_timer.Dispose(timerDone))
            {
                timerDone.WaitOne();
            }
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                if (_closed)
                {
                    _inner = AuditSink.ToFile(_path, _innerOptions);
                    _closed = false;
                }

                if (_needStart)
                {
                    WriteOwn(EvidenceLine.FormatStart(DateTime.UtcNow, _origin, _verifierKey, _checkpoints.LastNote));
                    _needStart = false;
                }

                if (!_lastLineIsClosingCheckpoint)
                {
                    WriteCheckpoint(closed: true, mayDefer: false);
                }
            }
            finally
            {
                _inner.Dispose();
                _hasher.Dispose();
            }
        }
    }

    // Reads the file the inner sink opened (and repaired): rebuilds its tree, finds its origin, key and last
    // checkpoint, and adds what the file needs before new lines: a start line for a new file, a key rotation, a
    // repair record. Returns the seq to continue after.
    private long Resume()
    {
        long lastSeq = 0;
        string? key = null;
        byte[] content = ReadShared(_path);
        _length = content.Length;
        ReadOnlySpan<byte> rest = content;
        Span<byte> leaf = stackalloc byte[MerkleTree.HashSize];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                break; // The inner sink cut any unterminated tail; nothing is left after the last newline.
            }

            ReadOnlySpan<byte> line = rest[..end];
            rest = rest[(end + 1)..];
            string? type = EvidenceLine.EventType(line);
            if (type == EvidenceLine.Checkpoint)
            {
                string? note = EvidenceLine.TryGetString(line, "note", out string text) ? text : null;
                ResumeSegment(ReadCheckpoint(note)?.Size ?? -1);
                if (note is not null)
                {
                    _checkpoints.SetLastNote(note);
                }
            }
            else if (type == EvidenceLine.Start)
            {
                if (EvidenceLine.TryGetString(line, "origin", out string origin))
                {
                    _origin = origin;
                    _checkpoints.SetOrigin(origin);
                }

                if (EvidenceLine.TryGetString(line, "key", out string startKey))
                {
                    key = startKey;
                }
            }
            else if (type == EvidenceLine.KeyRotated && EvidenceLine.TryGetString(line, "key", out string rotated))
            {
                key = rotated;
            }
            else
            {
                long seq = EvidenceLine.Sequence(line);
                if (seq > 0)
                {
                    lastSeq = seq;
                }
            }

            _tree.AppendData(line, leaf);
            AddPrefix(leaf);
            _size++;
            _lastLineIsClosingCheckpoint = type == EvidenceLine.Checkpoint && ReadCheckpoint(_checkpoints.LastNote)?.IsClosed == true;
        }

        DateTime now = DateTime.UtcNow;
        bool continued = _origin.Length != 0;
        if (!continued)
        {
            // A new file (or one written without evidence so far): a new tree identity, committed to the last
            // checkpoint of the file before it, when there is one.
            _origin = NewOrigin();
            _checkpoints.SetOrigin(_origin);
            if (_length == 0)
            {
                (string? previousNote, long previousSeq) = ReadPrevious(RolledPath(1));
                _checkpoints.SetLastNote(previousNote);
                lastSeq = previousSeq;
            }

            WriteOwn(EvidenceLine.FormatStart(now, _origin, _verifierKey, _checkpoints.LastNote));
        }
        else if (lastSeq == 0)
        {
            // A file with no event yet (a writer killed right after a roll's start line): seq goes on from the file before.
            lastSeq = ReadPrevious(RolledPath(1)).Seq;
        }

        if (continued && key != _verifierKey)
        {
            WriteOwn(EvidenceLine.FormatKeyRotated(now, _verifierKey));
        }

        if (_repairedBytes > 0)
        {
            WriteOwn(EvidenceLine.FormatTailRepaired(now, _repairedBytes));
        }

        return lastSeq;
    }

    private string NewOrigin() => (_options.Origin ?? _options.SigningKey.Name) + "/" + RandomNumberGenerator.GetHexString(16, lowercase: true);

    // The checkpoint a note carries, or null when it is not a readable checkpoint.
    private static Checkpoint? ReadCheckpoint(string? note)
    {
        if (note is null)
        {
            return null;
        }

        try
        {
            return Checkpoint.Parse(SignedNote.Parse(note).Text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // The last checkpoint note and the last seq of a rolled file (nulls and 0 when there is none).
    private static (string? Note, long Seq) ReadPrevious(string path)
    {
        if (!File.Exists(path))
        {
            return (null, 0);
        }

        string? note = null;
        long seq = 0;
        ReadOnlySpan<byte> rest = ReadShared(path);
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                break;
            }

            ReadOnlySpan<byte> line = rest[..end];
            rest = rest[(end + 1)..];
            if (EvidenceLine.EventType(line) == EvidenceLine.Checkpoint)
            {
                note = EvidenceLine.TryGetString(line, "note", out string text) ? text : null;
            }
            else if (EvidenceLine.Sequence(line) is long s and > 0)
            {
                seq = s;
            }
        }

        return (note, seq);
    }

    private static byte[] ReadShared(string path)
    {
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] content = new byte[stream.Length];
        stream.ReadExactly(content);
        return content;
    }

    // Adds whole lines to the tree, by the hashing thread, after every line added before.
    private void AppendLines(ReadOnlySpan<byte> lines)
    {
        _hasher.Enqueue(lines);
        _size += lines.Count((byte)'\n');
        _lastLineIsClosingCheckpoint = false;
    }

    // Runs on the hashing thread (LeafHashingThread), in the order AppendLines handed the lines over.
    private void HashLines(ReadOnlySpan<byte> lines)
    {
        BeforeHashing?.Invoke();
        lock (_snapshotLock)
        {
            DropSignedPrefixes();
        }

        Span<byte> leaf = stackalloc byte[MerkleTree.HashSize];
        while (!lines.IsEmpty)
        {
            int end = lines.IndexOf((byte)'\n');
            Debug.Assert(end >= 0, "A sink receives complete lines.");
            if (end < 0)
            {
                end = lines.Length;
            }

            HashLeaf(lines[..end], leaf);
            _tree.Append(leaf);
            AddPrefix(leaf);
            lines = lines[Math.Min(end + 1, lines.Length)..];
            if (Volatile.Read(ref _snapshotWanted))
            {
                TakeSnapshot();
            }
        }
    }

    // On the hashing thread, between two lines: the tree so far, for the checkpoint the writer wants.
    private void TakeSnapshot()
    {
        Span<byte> root = stackalloc byte[MerkleTree.HashSize];
        _tree.Root(root);
        lock (_snapshotLock)
        {
            _snapshotSize = _tree.Size;
            root.CopyTo(_snapshotRoot);
            _snapshotReady = true;
            Volatile.Write(ref _snapshotWanted, false);
            Monitor.PulseAll(_snapshotLock);
        }
    }

    private static void HashLeaf(ReadOnlySpan<byte> line, Span<byte> destination) => MerkleTree.HashLeaf(line, destination);

    private void AddPrefix(ReadOnlySpan<byte> leaf)
    {
        int at = _prefixCount * EvidenceLine.PrefixBytes;
        if (at + EvidenceLine.PrefixBytes > _prefixes.Length)
        {
            lock (_snapshotLock)
            {
                Array.Resize(ref _prefixes, _prefixes.Length * 2);
            }
        }

        leaf[..EvidenceLine.PrefixBytes].CopyTo(_prefixes.AsSpan(at));
        _prefixCount++;
    }

    // Drops the prefixes of leaves a checkpoint in the file signs. Under _snapshotLock, or with the hashing thread idle.
    private void DropSignedPrefixes()
    {
        long drop = _discardTo - _prefixBase;
        if (drop <= 0)
        {
            return;
        }

        Debug.Assert(drop <= _prefixCount, "Only hashed leaves are signed.");
        int from = (int)drop * EvidenceLine.PrefixBytes;
        _prefixes.AsSpan(from, (_prefixCount * EvidenceLine.PrefixBytes) - from).CopyTo(_prefixes);
        _prefixCount -= (int)drop;
        _prefixBase = _discardTo;
    }

    // A new tree (a new file, or one reopened under the sink): nothing signed, nothing hashed. Only after a drain.
    private void StartTree()
    {
        Debug.Assert(_tree.Size == 0 && _size == 0, "An empty tree.");
        _from = 0;
        _segmentStart = 0;
        lock (_snapshotLock)
        {
            _prefixCount = 0;
            _prefixBase = 0;
            _discardTo = 0;
            _snapshotReady = false;
            Volatile.Write(ref _snapshotWanted, false);
        }
    }

    // Resume met a checkpoint line (leaf _size, not appended yet) that signs `signed` leaves: the next checkpoint's
    // prefixes start there. A size it cannot have signed (an unreadable or edited line) counts as the line's own place.
    private void ResumeSegment(long signed)
    {
        _from = signed > _from && signed <= _size ? signed : _size;
        _segmentStart = _size;
        _discardTo = _from;
        DropSignedPrefixes();
    }

    // The file sink went on in another file at the path (logrotate create or nocreate, a deletion) or in the file
    // truncated under it (copytruncate): like a roll, a new tree whose first line commits to the last checkpoint and
    // to the whole previous tree (the lines after that checkpoint included). Runs under _gate, inside _inner.Write
    // or _inner.Follow; the file sink writes the returned start line there before anything else.
    private byte[] OnInnerReopened(bool truncated)
    {
        _hasher.Drain();
        Span<byte> root = stackalloc byte[MerkleTree.HashSize];
        _tree.Root(root);
        long size = _tree.Size;
        _length = 0;
        _tree.Clear();
        _size = 0;
        StartTree();
        _origin = NewOrigin();
        _checkpoints.SetOrigin(_origin);
        _needStart = false;
        _lastLineIsClosingCheckpoint = false;
        Reopens++;
        byte[] start = Encoding.UTF8.GetBytes(EvidenceLine.FormatStart(
            DateTime.UtcNow, _origin, _verifierKey, _checkpoints.LastNote, truncated ? EvidenceLine.ReasonTruncated : EvidenceLine.ReasonReopened, size, root));
        _length = start.Length;
        AppendLines(start);
        return start;
    }

    // Before the sink formats a line of its own (a checkpoint of the current tree), it learns of a file changed under it.
    private void FollowInner()
    {
        if (_inner is Sinks.FileAuditSink file)
        {
            file.Follow();
        }
    }

    private void WriteOwn(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        _inner.Write(bytes);
        _length += bytes.Length;
        AppendLines(bytes);
    }

    // A checkpoint that fails to write after the batch it follows is in the file must not fail the batch (the
    // logger would write it again): it is counted and retried at the next batch, interval or close.
    private void TryCheckpoint(bool mayDefer)
    {
        try
        {
            WriteCheckpoint(closed: false, mayDefer);
        }
        catch (IOException)
        {
            CheckpointErrors++;
        }
        catch (UnauthorizedAccessException)
        {
            CheckpointErrors++;
        }
    }

    // Asks the hashing thread for a snapshot of the tree and waits for it: it takes one after the line it is hashing,
    // microseconds away while it has lines to hash. Returns false (the caller then waits for the whole backlog instead)
    // if the thread ran out of lines first or did not answer within SnapshotWaitMilliseconds (it failed, or is starved).
    private bool AwaitSnapshot()
    {
        long deadline = Environment.TickCount64 + SnapshotWaitMilliseconds;
        lock (_snapshotLock)
        {
            _snapshotReady = false;
            Volatile.Write(ref _snapshotWanted, true);
            while (!_snapshotReady)
            {
                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0 || _hasher.Backlog == 0)
                {
                    Volatile.Write(ref _snapshotWanted, false);
                    return false;
                }

                Monitor.Wait(_snapshotLock, (int)Math.Min(remaining, 1));
            }

            return _snapshotSize > _from; // it took the snapshot after a line it hashed since the last one: always so
        }
    }

    // Signs the tree and writes the checkpoint line. Exactly the lines before it when the hashing thread is close behind
    // (or mayDefer is false: a close, a roll, an idle tail): the writer waits for it. Far behind, the writer does not
    // wait: it signs the last snapshot the hashing thread took, a prefix of the lines before the checkpoint, and the
    // next checkpoint signs the rest (docs/evidence.md, "Checkpoints").
    private void WriteCheckpoint(bool closed, bool mayDefer)
    {
        Span<byte> root = stackalloc byte[MerkleTree.HashSize];
        scoped ReadOnlySpan<byte> line;
        long size;
        for (int attempt = 1; ; attempt++)
        {
            FollowInner();
            ReadOnlySpan<byte> prefixes;
            if (mayDefer && !closed && _hasher.Backlog > ExactCheckpointBacklogBytes && AwaitSnapshot())
            {
                lock (_snapshotLock)
                {
                    size = _snapshotSize;
                    _snapshotRoot.CopyTo(root);
                    int bytes = (int)(size - _from) * EvidenceLine.PrefixBytes;
                    if (_snapshotPrefixes.Length < bytes)
                    {
                        _snapshotPrefixes = new byte[Math.Max(bytes, _snapshotPrefixes.Length * 2)];
                    }

                    _prefixes.AsSpan((int)(_from - _prefixBase) * EvidenceLine.PrefixBytes, bytes).CopyTo(_snapshotPrefixes);
                    prefixes = _snapshotPrefixes.AsSpan(0, bytes);
                }
            }
            else
            {
                _hasher.Drain();
                DropSignedPrefixes();
                _tree.Root(root);
                size = _tree.Size;
                prefixes = _prefixes.AsSpan((int)(_from - _prefixBase) * EvidenceLine.PrefixBytes, (int)(size - _from) * EvidenceLine.PrefixBytes);
            }

            line = _checkpoints.Format(DateTime.UtcNow, size, root, closed, _from, prefixes);
            long reopens = Reopens;
            if (_inner is Sinks.FileAuditSink file)
            {
                file.Write(line, repeatInSuccessor: false);
            }
            else
            {
                _inner.Write(line);
            }

            if (Reopens == reopens)
            {
                break;
            }

            // The file was deleted while the checkpoint went into it: the checkpoint signed the tree of a file that is
            // gone, so it is not written again in the new file, whose tree began with its start line (OnInnerReopened,
            // which commits to that whole tree). The new tree is signed instead; a deletion each time gives up here,
            // and the next batch, the timer or the close signs it.
            if (attempt == 3)
            {
                return;
            }
        }

        _from = size;
        _segmentStart = _size;
        lock (_snapshotLock)
        {
            _discardTo = size;
            _snapshotReady = false;
        }

        _length += line.Length;
        _checkpoints.Commit();
        AppendLines(line);
        _lastLineIsClosingCheckpoint = closed;
        _lastCheckpointTicks = Stopwatch.GetTimestamp();
        if (_options.OnCheckpoint is { } callback)
        {
            try
            {
                string note = _checkpoints.LastNote!;
                callback(new AuditCheckpoint(_path, note, Checkpoint.Parse(SignedNote.Parse(note).Text)));
            }
            catch (Exception)
            {
                // Shipping is the callback's business; the checkpoint is in the file either way.
            }
        }
    }

    // Closes the file with a checkpoint, shifts the rolled files up (dropping the oldest beyond RetainedFiles), and
    // starts a new file and tree whose first line commits to that checkpoint. A failure leaves a state the retry
    // (the logger writes the batch again) can go on from: the closing checkpoint is written once, and a file that
    // could not be renamed is opened again and continued.
    private void Roll()
    {
        if (!_lastLineIsClosingCheckpoint)
        {
            WriteCheckpoint(closed: true, mayDefer: false);
        }

        _inner.Dispose();
        try
        {
            int retained = _fileOptions.RetainedFiles;
            File.Delete(RolledPath(retained));
            for (int i = retained - 1; i >= 1; i--)
            {
                if (File.Exists(RolledPath(i)))
                {
                    File.Move(RolledPath(i), RolledPath(i + 1));
                }
            }

            File.Move(_path, RolledPath(1));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _inner = AuditSink.ToFile(_path, _innerOptions);
            throw;
        }

        _hasher.Drain();
        _length = 0;
        _tree.Clear();
        _size = 0;
        StartTree();
        _origin = NewOrigin();
        _checkpoints.SetOrigin(_origin);
        _needStart = true;
        _lastLineIsClosingCheckpoint = false;
        _closed = true;
        _inner = AuditSink.ToFile(_path, _innerOptions);
        _closed = false;
    }

    private void OnTimer(object? state)
    {
        lock (_gate)
        {
            if (_disposed || !HasUnsignedLines || Stopwatch.GetElapsedTime(_lastCheckpointTicks) < _options.CheckpointInterval)
            {
                return;
            }

            try
            {
                if (!_closed)
                {
                    WriteCheckpoint(closed: false, mayDefer: false);
                    _inner.Flush();
                }
            }
            catch (Exception)
            {
                // The writer thread's next batch, the next tick or the close retries it.
                CheckpointErrors++;
            }
        }
    }

    internal string RolledPath(int index)
        => AuditEvidence.RolledPath(_path, index);
}
