using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
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

        List<string> files = _files.OldestFirst();
        int index = IndexOf(files, _fileId);
        // The file was rolled and is complete. A torn last line cannot be finished any more.
        if (_end > _start)
        {
            _report(new AuditForwarderReport(AuditForwarderReportKind.TornLine,
                $"A rolled file ({_fileId}) ends with {_end - _start} octets of an unterminated line; they are skipped.", null));
            _start = _end = _blockEnd = 0;
            _inLongLine = false;
        }

        string next = index >= 0 ? files[Math.Min(index + 1, files.Count - 1)] : files[0];
        return OpenAt(next);
    }

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
