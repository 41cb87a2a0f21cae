using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace Infernum.Audit.Fast.Forwarding.Files;

/// <summary>What <see cref="AuditFileFollower.Read"/> found.</summary>
internal enum FollowerReadKind
{
    /// <summary>Nothing new yet.</summary>
    Idle,

    /// <summary>One or more complete lines, each ending with <c>\n</c>.</summary>
    Lines,

    /// <summary>Part of a line longer than the read buffer; more parts follow.</summary>
    LongLinePart,

    /// <summary>The last part of a line longer than the read buffer, ending with <c>\n</c>.</summary>
    LongLineEnd,
}

/// <summary>
/// Reads the lines of an audit log in order across rolls, the way <c>tail -F</c> would but without losing the end of
/// a file that was renamed while it was read: it keeps its handle, drains the old file, then moves to the next
/// newer one. Files are named by <see cref="AuditFileIdentity"/>, so a position survives renames and restarts.
/// Not thread-safe: one reader.
/// </summary>
internal sealed class AuditFileFollower : IDisposable
{
    // How long a successor that continues the sequence is looked for before a gap is accepted.
    internal static readonly TimeSpan SuccessorPatience = TimeSpan.FromSeconds(2);

    // The pause between two listings of the folder while a roll is half done.
    private static readonly TimeSpan SuccessorPollInterval = TimeSpan.FromMilliseconds(10);

    private readonly AuditFileSet _files;
    private readonly Action<AuditForwarderReport> _report;

    // The read buffer: [_start, _end) holds file octets [_readOffset - (_end - _start), _readOffset).
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    // Where the block handed out by the last Read ends; consumed at the next Read.
    private int _blockEnd;

    private SafeFileHandle? _handle;
    private string? _fileId;
    private long _readOffset;

    // Inside a line longer than the buffer: its parts are handed out until its '\n'.
    private bool _inLongLine;

    // The kind of the block handed out last, for Unread.
    private FollowerReadKind _lastKind;

    public AuditFileFollower(string activePath, int bufferBytes, Action<AuditForwarderReport> report)
    {
        _files = new AuditFileSet(activePath);
        _buffer = new byte[bufferBytes];
        _report = report;
    }

    /// <summary>The file set followed.</summary>
    public AuditFileSet Files => _files;

    /// <summary>
    /// Starts reading at <paramref name="position"/> (the octet after the last line the collector took), or at the
    /// start of the oldest file when it is <see langword="null"/> or its file is gone (reported).
    /// </summary>
    public void Seek(AuditFilePosition? position)
    {
        _start = _end = _blockEnd = 0;
        _inLongLine = false;
        if (position is { FileId: not null } p)
        {
            if (p.FileId == _fileId && _handle is not null && !_handle.IsClosed && RandomAccess.GetLength(_handle) >= p.Offset)
            {
                _readOffset = p.Offset;
                return;
            }

            foreach (string path in _files.OldestFirst())
            {
                if (AuditFileIdentity.Of(path) == p.FileId && TryOpen(path, out SafeFileHandle? handle))
                {
                    long length = RandomAccess.GetLength(handle);
                    if (length < p.Offset)
                    {
                        _report(new AuditForwarderReport(AuditForwarderReportKind.FileTruncated,
                            $"{path} is shorter ({length} octets) than the cursor ({p.Offset}); reading it from its start.", null));
                        Use(handle, p.FileId, 0);
                    }
                    else
                    {
                        Use(handle, p.FileId, LineStartAtOrBefore(handle, path, p.Offset));
                    }

                    return;
                }
            }

            _report(new AuditForwarderReport(AuditForwarderReportKind.CursorFileMissing,
                $"The file of the cursor ({p.FileId}) is no longer among {_files.ActivePath} and its rolls; lines between it and the oldest file left were deleted unshipped. Starting at the oldest file.", null));
        }

        OpenOldest();
    }

    /// <summary>
    /// Hands out the next block: complete lines, or a part of an over-long line. The block stays valid until the next
    /// call, which consumes it.
    /// </summary>
    public FollowerReadKind Read(out ReadOnlyMemory<byte> block, out AuditFilePosition blockStart)
    {
        _start = _blockEnd;
        _lastKind = FollowerReadKind.Idle;
        block = default;
        blockStart = default;
        if (!_inLongLine && _end > _start && _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n') < 0)
        {
            // An unterminated line kept from an earlier call is read again from the file: the writer may have cut
            // it since (a restarted sink repairs a torn tail) and written other lines in its place.
            _readOffset -= _end - _start;
            _end = _start;
        }

        while (true)
        {
            if (_handle is null && !OpenOldest())
            {
                return FollowerReadKind.Idle;
            }

            ReadOnlySpan<byte> pending = _buffer.AsSpan(_start, _end - _start);
            if (_inLongLine && pending.Length > 0)
            {
                int newline = pending.IndexOf((byte)'\n');
                int length = newline < 0 ? pending.Length : newline + 1;
                return HandOut(length, newline < 0 ? FollowerReadKind.LongLinePart : FollowerReadKind.LongLineEnd, out block, out blockStart);
            }

            if (!_inLongLine)
            {
                int last = pending.LastIndexOf((byte)'\n');
                if (last >= 0)
                {
                    return HandOut(last + 1, FollowerReadKind.Lines, out block, out blockStart);
                }
            }

            // Need more octets: make room at the end.
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = _blockEnd = 0;
            }

            if (_end == _buffer.Length)
            {
                // A full buffer without '\n': a line longer than the buffer. Hand it out in parts.
                _inLongLine = true;
                return HandOut(_end, FollowerReadKind.LongLinePart, out block, out blockStart);
            }

            int read = RandomAccess.Read(_handle!, _buffer.AsSpan(_end), _readOffset);
            if (read > 0)
            {
                if (_fileId is not null && AuditFileIdentity.Of(_handle!) != _fileId)
                {
                    // Truncated and written again in place (logrotate copytruncate): these octets are not the file's.
                    if (!FollowRewritten())
                    {
                        return FollowerReadKind.Idle;
                    }

                    continue;
                }

                _end += read;
                _readOffset += read;
                continue;
            }

            if (!MoveOn())
            {
                return FollowerReadKind.Idle;
            }
        }
    }

    /// <summary>Makes the next <see cref="Read"/> hand out the same block again.</summary>
    public void Unread()
    {
        _blockEnd = _start;
        if (_lastKind != FollowerReadKind.Idle)
        {
            _inLongLine = _lastKind is FollowerReadKind.LongLinePart or FollowerReadKind.LongLineEnd;
        }
    }

    public void Dispose() => _handle?.Dispose();

    private FollowerReadKind HandOut(int length, FollowerReadKind kind, out ReadOnlyMemory<byte> block, out AuditFilePosition blockStart)
    {
        _fileId ??= AuditFileIdentity.Of(_handle!);
        Debug.Assert(_fileId is not null, "a file holding a '\\n' or a buffer's worth of octets has an identity");
        blockStart = new AuditFilePosition(_fileId, _readOffset - (_end - _start));
        block = _buffer.AsMemory(_start, length);
        _blockEnd = _start + length;
        if (kind == FollowerReadKind.LongLineEnd)
        {
            _inLongLine = false;
        }

        _lastKind = kind;

        return kind;
    }

    // At the end of the current file: moves to where the lines continue. Returns true if reading can go on now.
    private bool MoveOn()
    {
        SafeFileHandle handle = _handle!;
        if (_fileId is null)
        {
            _fileId = AuditFileIdentity.Of(handle);
            if (_fileId is null)
            {
                return _readOffset == 0 && ReopenEmptyActive();
            }
        }

        string? activeId = AuditFileIdentity.Of(_files.ActivePath);
        if (activeId == _fileId)
        {
            return CutBack(handle);
        }

        long length = RandomAccess.GetLength(handle);
        if (length < _readOffset || AuditFileIdentity.Of(handle) != _fileId)
        {
            return FollowRewritten();
        }

        // The file was rolled and is complete. Its last complete line ends before any unterminated tail.
        long lastSeq = SequenceOfLastLine(handle, _readOffset - (_end - _start));

        // A torn last line cannot be finished any more.
        if (_end > _start)
        {
            _report(new AuditForwarderReport(AuditForwarderReportKind.TornLine,
                $"A rolled file ({_fileId}) ends with {_end - _start} octets of an unterminated line; they are skipped.", null));
            _start = _end = _blockEnd = 0;
            _inLongLine = false;
        }

        return MoveToSuccessor(lastSeq);
    }

    // Opens the file that follows the finished one. The sink rolls by shifting audit.N.jsonl to audit.N+1.jsonl one by
    // one and then renaming audit.jsonl to audit.1.jsonl, so a listing taken meanwhile can hold a name twice, miss one,
    // or have a name point at another file by the time it is opened. So the successor is chosen by content: with
    // sequence numbers on, the file whose first line's seq is the finished file's last seq + 1; otherwise the file
    // after the finished one (found by identity) in a listing that two takes in a row agree on. While neither is
    // found the folder is listed again after a short pause; only after SuccessorPatience is a gap accepted.
    private bool MoveToSuccessor(long lastSeq)
    {
        long deadline = Environment.TickCount64 + (long)SuccessorPatience.TotalMilliseconds;
        List<Candidate>? previous = null;
        while (true)
        {
            List<Candidate> candidates = Survey();
            bool stable = previous is not null && SameListing(previous, candidates);
            bool patient = Environment.TickCount64 < deadline;
            Candidate? chosen = Choose(candidates, lastSeq, stable, patient);
            foreach (Candidate c in candidates)
            {
                if (!ReferenceEquals(c.Handle, chosen?.Handle))
                {
                    c.Handle.Dispose();
                }
            }

            if (chosen is { } next)
            {
                Use(next.Handle, next.Id, 0);
                return true;
            }

            if (!patient)
            {
                return false;
            }

            previous = candidates;
            Thread.Sleep(SuccessorPollInterval);
        }
    }

    // Picks the successor from one survey, or null to look again (or, when not patient any more, to wait at the end
    // of the finished file: the next Read looks again).
    private Candidate? Choose(List<Candidate> candidates, long lastSeq, bool stable, bool patient)
    {
        int self = candidates.FindIndex(c => c.Id == _fileId);
        if (lastSeq > 0)
        {
            foreach (Candidate c in candidates)
            {
                if (c.FirstSeq == lastSeq + 1)
                {
                    return c;
                }
            }

            // Nothing newer has a first line yet: the successor is the active file, still empty (or not created).
            bool anyNewer = candidates.Exists(c => c.FirstSeq > lastSeq || (c.Id is not null && c.FirstSeq == 0));
            Candidate active = candidates[^1];
            if (!anyNewer && active.Id is null && active.Path == _files.ActivePath && stable)
            {
                return active;
            }

            if (patient)
            {
                return null;
            }

            // A gap (lines deleted unshipped, or a writer whose seq started over): the oldest file newer than ours.
            Candidate? best = null;
            foreach (Candidate c in candidates)
            {
                if (c.FirstSeq > lastSeq && (best is null || c.FirstSeq < best.Value.FirstSeq))
                {
                    best = c;
                }
            }

            if (best is not null)
            {
                return best;
            }
        }
        else if (!stable && patient)
        {
            return null;
        }

        // Without seqs (or a seq that started over): listing order, after the finished file.
        if (self >= 0)
        {
            return self + 1 < candidates.Count ? candidates[self + 1] : null;
        }

        return candidates.Count > 0 ? candidates[0] : null;
    }

    // Opens every file of the log, oldest first; each with its identity and its first line's seq (0 when unknown).
    private List<Candidate> Survey()
    {
        List<Candidate> candidates = [];
        foreach (string path in _files.OldestFirst())
        {
            if (TryOpen(path, out SafeFileHandle? handle))
            {
                string? id = AuditFileIdentity.Of(handle);
                candidates.Add(new Candidate(path, handle, id, id is null ? 0 : SequenceOfFirstLine(handle)));
            }
        }

        return candidates;
    }

    private static bool SameListing(List<Candidate> a, List<Candidate> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Count; i++)
        {
            if (a[i].Path != b[i].Path || a[i].Id != b[i].Id)
            {
                return false;
            }
        }

        return true;
    }

    // The seq of the first line, or 0 when it has none (sequence numbers off, not an audit line).
    private static long SequenceOfFirstLine(SafeFileHandle handle)
    {
        Span<byte> prefix = stackalloc byte[AuditFileIdentity.PrefixBytes];
        int read = RandomAccess.Read(handle, prefix, 0);
        int newline = prefix[..read].IndexOf((byte)'\n');
        return newline < 0 ? 0 : SequenceOf(prefix[..newline]);
    }

    // The seq of the last complete line of the octets before end, or 0 when it has none.
    private static long SequenceOfLastLine(SafeFileHandle handle, long end)
    {
        if (end <= 0)
        {
            return 0;
        }

        Span<byte> tail = stackalloc byte[4096];
        int size = (int)Math.Min(tail.Length, end);
        int read = RandomAccess.Read(handle, tail[..size], end - size);
        ReadOnlySpan<byte> text = tail[..read];
        if (text.IsEmpty || text[^1] != (byte)'\n')
        {
            return 0;
        }

        text = text[..^1];
        int previous = text.LastIndexOf((byte)'\n');
        if (previous < 0 && end > size)
        {
            return 0;
        }

        return SequenceOf(text[(previous + 1)..]);
    }

    // The audit line ends with "seq":N}; 0 when it does not.
    private static long SequenceOf(ReadOnlySpan<byte> line)
    {
        line = line.TrimEnd("\r"u8);
        ReadOnlySpan<byte> field = "\"seq\":"u8;
        int at = line.LastIndexOf(field);
        if (at < 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> value = line[(at + field.Length)..];
        return Utf8Parser.TryParse(value, out long seq, out int consumed) && consumed > 0 && value[0] is >= (byte)'0' and <= (byte)'9'
            && value[consumed..] is [(byte)'}'] && seq > 0 ? seq : 0;
    }

    private readonly record struct Candidate(string Path, SafeFileHandle Handle, string? Id, long FirstSeq);

    // Still the active file: if it is now shorter than what was read, the writer cut an unterminated tail (or someone
    // truncated it); read on from the new end. Returns true if reading can go on now.
    private bool CutBack(SafeFileHandle handle)
    {
        long length = RandomAccess.GetLength(handle);
        if (length >= _readOffset)
        {
            return false;
        }

        long pendingStart = _readOffset - (_end - _start);
        if (length >= pendingStart)
        {
            _end -= (int)(_readOffset - length);
        }
        else
        {
            _report(new AuditForwarderReport(AuditForwarderReportKind.FileTruncated,
                $"{_files.ActivePath} was cut to {length} octets, below lines already read (up to {pendingStart}); reading on from its new end.", null));
            _start = _end = _blockEnd = 0;
        }

        _readOffset = length;
        return true;
    }

    // The file read was truncated (and maybe written again) in place: logrotate's copytruncate. The copy it made
    // holds the rest of the lines; after it, the file starts over.
    private bool FollowRewritten()
    {
        List<string> files = _files.OldestFirst();
        int index = IndexOf(files, _fileId!);
        if (index >= 0 && TryOpen(files[index], out SafeFileHandle? copy))
        {
            if (RandomAccess.GetLength(copy) >= _readOffset)
            {
                long offset = _readOffset;
                int pending = _end - _start;
                Use(copy, _fileId, offset - pending);
                return true;
            }

            copy.Dispose();
        }

        _report(new AuditForwarderReport(AuditForwarderReportKind.FileTruncated,
            $"{_files.ActivePath} was truncated below the read position ({_readOffset}) and no copy of it was found; lines after that position may be lost.", null));
        return OpenAt(files[^1]);
    }

    // The file read is still empty: if the active path names another file now, follow that one instead.
    private bool ReopenEmptyActive()
    {
        if (!TryOpen(_files.ActivePath, out SafeFileHandle? active))
        {
            return false;
        }

        // Checked after opening the other file: anything written to ours before it was replaced is visible now.
        if (RandomAccess.GetLength(_handle!) > 0)
        {
            active.Dispose();
            return true;
        }

        Use(active, AuditFileIdentity.Of(active), 0);
        return RandomAccess.GetLength(active) > 0;
    }

    private bool OpenOldest()
    {
        foreach (string path in _files.OldestFirst())
        {
            if (OpenAt(path))
            {
                return true;
            }
        }

        return _handle is not null;
    }

    private bool OpenAt(string path)
    {
        if (!TryOpen(path, out SafeFileHandle? handle))
        {
            return false;
        }

        Use(handle, AuditFileIdentity.Of(handle), 0);
        return true;
    }

    // A cursor is always 0 or just after a '\n'. One that is not (edited by hand, written by another tool, a
    // corrupted state folder) would start mid-line and send a torn line: go back to the start of the line it falls
    // in, so that line is sent whole (perhaps a second time: its seq tells) and nothing is skipped.
    private long LineStartAtOrBefore(SafeFileHandle handle, string path, long offset)
    {
        if (offset == 0)
        {
            return 0;
        }

        Span<byte> chunk = stackalloc byte[4096];
        long end = offset;
        while (end > 0)
        {
            int size = (int)Math.Min(chunk.Length, end);
            int read = RandomAccess.Read(handle, chunk[..size], end - size);
            if (read < size)
            {
                throw new IOException($"{path} could not be read before the cursor.");
            }

            int newline = chunk[..size].LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                long lineStart = end - size + newline + 1;
                if (lineStart != offset)
                {
                    ReportMisaligned(path, offset, lineStart);
                }

                return lineStart;
            }

            end -= size;
        }

        ReportMisaligned(path, offset, 0);
        return 0;
    }

    private void ReportMisaligned(string path, long offset, long lineStart) =>
        _report(new AuditForwarderReport(AuditForwarderReportKind.CursorMisaligned,
            $"The cursor ({offset}) in {path} is not at a line start; resuming at the start of the line it falls in ({lineStart}), which is sent whole.", null));

    private void Use(SafeFileHandle handle, string? fileId, long offset)
    {
        if (!ReferenceEquals(handle, _handle))
        {
            _handle?.Dispose();
        }

        _handle = handle;
        _fileId = fileId;
        _readOffset = offset;
        _start = _end = _blockEnd = 0;
        _inLongLine = false;
    }

    private static int IndexOf(List<string> files, string fileId)
    {
        for (int i = 0; i < files.Count; i++)
        {
            if (AuditFileIdentity.Of(files[i]) == fileId)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool TryOpen(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeFileHandle? handle)
    {
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return true;
        }
        catch (IOException)
        {
            handle = null;
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            handle = null;
            return false;
        }
    }
}
