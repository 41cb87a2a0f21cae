using System;
using System.Diagnostics;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>
/// Appends audit lines to a file (others may read it meanwhile), with optional size-based rolling and fsync policy.
/// </summary>
/// <remarks>
/// <para>
/// One writer per file: opening takes an exclusive lock on <c>.{name}.lock</c> beside the file (kept while the sink
/// is open; the lock file itself stays), so a second logger on the same path, in this process or another, fails at open instead of
/// interleaving a second sequence into the file. Readers are never locked out.
/// </para>
/// <para>
/// Other programs may rotate the file. Writes are in append mode (<c>O_APPEND</c> on Linux), so a file truncated
/// under the sink (logrotate <c>copytruncate</c>) gets the next line at its new end, not after a hole of NUL bytes.
/// Before each batch the sink compares the file it holds with the one at its path (device and inode); when the file
/// was renamed (logrotate with or without <c>create</c>) or deleted, it opens the file at the path and continues
/// there. A batch that landed in a file deleted during the write is written again to the new file.
/// </para>
/// <para>
/// Rolling renames the held file to <c>.1</c> and opens the successor before it closes the held one. A step that fails
/// (a rename refused, permission denied) throws from <see cref="Write"/> with nothing of the batch written; the
/// writer retries the batch, which retries the roll where it stopped.
/// </para>
/// <para>
/// Opening repairs a crash leftover — an unterminated last line is cut off — and reads the last line's <c>seq</c>
/// (from the newest rotated file, ours or logrotate's, compressed or not, when the file is empty) so the logger continues the sequence.
/// A failed write is cut back to the last complete line before it throws, so the retry neither duplicates nor
/// tears a line.
/// </para>
/// </remarks>
internal sealed class FileAuditSink : AuditSink
{
    private readonly string _path;
    private readonly byte[] _pathBytes;
    private readonly byte[] _statBuffer = FileIdentity.NewBuffer();
    private readonly AuditFileOptions _options;
    private readonly string _lockPath;
    private readonly byte[] _lockPathBytes;
    private FileStream _lock;
    private readonly long _lastSequenceNumber;

    // The file lines go to, its identity when opened, and its length up to its last complete line as of our last look.
    private FileStream _stream;
    private FileIdentity _identity;
    private long _length;

    // The held file was already renamed to .1 by a roll whose successor could not be opened yet.
    private bool _rolledAway;

    // Lines the owner asked to have written first into a file this sink reopened (AuditFileOptions.OnReopened).
    private byte[]? _first;

    private long _lastFsync = Stopwatch.GetTimestamp();
    private bool _unsynced;

    public FileAuditSink(string path, AuditFileOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _options = options ?? AuditFileOptions.Default;
        _path = Path.GetFullPath(path);
        _pathBytes = FileIdentity.NulTerminated(_path);
        string? folder = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        _lockPath = LockPath(_path);
        _lockPathBytes = FileIdentity.NulTerminated(_lockPath);
        _lock = TakeLock(_path);
        try
        {
            _stream = OpenAt(out long repaired);
            if (repaired > 0)
            {
                try
                {
                    _options.OnRepaired?.Invoke(_path, repaired);
                }
                catch (Exception)
                {
                    // The repair is done and counted by the caller's own means; a faulty callback changes nothing.
                }
            }

            _lastSequenceNumber = AuditFileTail.LastSequence(_stream.SafeFileHandle, _length, _path);
            if (_length == 0)
            {
                _lastSequenceNumber = LastSequenceOfPredecessors();
            }
        }
        catch
        {
            _stream?.Dispose();
            _lock.Dispose();
            throw;
        }
    }

    public override long LastSequenceNumber => _lastSequenceNumber;

    /// <summary>
    /// The lock file that makes one writer per audit file: <c>.{name}.lock</c> beside it, a dot file so that a
    /// logrotate pattern such as <c>/var/log/app/*</c> does not rotate it away.
    /// </summary>
    internal static string LockPath(string path)
        => Path.Combine(Path.GetDirectoryName(path) ?? string.Empty, "." + Path.GetFileName(path) + ".lock");

    public override void Write(ReadOnlySpan<byte> lines)
    {
        FollowPath();
        if (_options.MaxFileBytes > 0 && _length > 0 && _length + lines.Length > _options.MaxFileBytes)
        {
            Roll();
        }

        AppendFirst();
        Append(lines);
        if (FileIdentity.IsExact && FileIdentity.Of(_stream.SafeFileHandle, _statBuffer).Links == 0)
        {
            // Deleted while we wrote: those lines are in no file. The next one at the path gets them.
            Reopen();
            AppendFirst();
            Append(lines);
        }
    }

    public override void Flush()
    {
        bool due = _options.Fsync switch
        {
            AuditFsyncPolicy.EveryBatch => true,
            AuditFsyncPolicy.Interval => Stopwatch.GetElapsedTime(_lastFsync) >= _options.FsyncInterval,
            _ => false,
        };

        if (due && _unsynced)
        {
            _stream.Flush(flushToDisk: true);
            _lastFsync = Stopwatch.GetTimestamp();
            _unsynced = false;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                _stream.Flush(flushToDisk: true);
                _stream.Dispose();
            }
            finally
            {
                _lock.Dispose();
            }
        }
    }

    // Whoever moved the file may have moved or deleted the lock file with it (rm -r of the folder): take the lock on
    // the file now at the lock's path, so a second writer cannot take it there. Checked only on a reopen.
    private void RelockIfMoved()
    {
        FileIdentity held = FileIdentity.Of(_lock.SafeFileHandle, _statBuffer);
        bool stillThere = FileIdentity.IsExact
            ? FileIdentity.TryOf(_lockPath, _lockPathBytes, _statBuffer, out FileIdentity atPath) && atPath.SameFile(held) && held.Links > 0
            : File.Exists(_lockPath);
        if (stillThere)
        {
            return;
        }

        string? folder = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        FileStream next = TakeLock(_path);
        _lock.Dispose();
        _lock = next;
    }

    private static FileStream TakeLock(string path)
    {
        string lockPath = LockPath(path);
        try
        {
            // FileShare.None: an exclusive flock(2) on Unix, a share mode on Windows; both refuse a second holder,
            // in this process or another, and both end with the holder.
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw new IOException(
                $"Another audit logger is writing '{path}' (it holds '{lockPath}'). Two writers on one file would interleave "
                + "two sequences; give each logger its own file.", e);
        }
    }

    // Opens (or creates) the file at the path in append mode, cutting an unterminated last line; sets _identity, _length.
    private FileStream OpenAt(out long repaired)
    {
        string? folder = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder); // it may have been deleted with the file
        }

        var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, bufferSize: 0);
        try
        {
            long length = stream.Length;
            repaired = AuditFileTail.Repair(stream.SafeFileHandle, ref length);
            if (repaired > 0)
            {
                stream.Flush(flushToDisk: true);
            }

            FileIdentity.TrySetAppend(stream.SafeFileHandle);
            _identity = FileIdentity.Of(stream.SafeFileHandle, _statBuffer);
            _length = length;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Follows what other programs did to the file now, so an owner learns of it before it formats a line.</summary>
    internal void Follow() => FollowPath();

    private void AppendFirst()
    {
        if (_first is not null)
        {
            Append(_first);
            _first = null;
        }
    }

    // Follows what other programs did to the file since the last batch.
    private void FollowPath()
    {
        if (_rolledAway)
        {
            OpenSuccessor();
            return;
        }

        FileIdentity held = FileIdentity.Of(_stream.SafeFileHandle, _statBuffer);
        if (!FileIdentity.TryOf(_path, _pathBytes, _statBuffer, out FileIdentity atPath) || !atPath.SameFile(held) || held.Links == 0)
        {
            Reopen(); // renamed (logrotate, with or without create) or deleted, perhaps with its folder
            return;
        }

        if (held.Size != _length)
        {
            // Truncated (copytruncate) or, if some program appended, grown: continue after its last complete line.
            if (held.Size < _length)
            {
                _first = _options.OnReopened?.Invoke(true);
            }

            long length = held.Size;
            AuditFileTail.Repair(_stream.SafeFileHandle, ref length);
            _length = length;
        }
    }

    // The file at the path is another one now (or none): continue in it. The held file is closed only once it is open.
    private void Reopen()
    {
        RelockIfMoved();
        FileStream next = OpenAt(out _);
        Close(_stream);
        _stream = next;
        _first = _options.OnReopened?.Invoke(false);
    }

    private void Append(ReadOnlySpan<byte> lines)
    {
        // In append mode the offset is not used: the kernel writes at the end as it is.
        long start = _length;
        try
        {
            RandomAccess.Write(_stream.SafeFileHandle, lines, start);
        }
        catch (Exception)
        {
            CutBack(start);
            throw;
        }

        _length = start + lines.Length;
        _unsynced = true;
    }

    // After a failed write: remove what it left past the last complete line (never extends the file).
    private void CutBack(long start)
    {
        try
        {
            long now = RandomAccess.GetLength(_stream.SafeFileHandle);
            if (now > start)
            {
                RandomAccess.SetLength(_stream.SafeFileHandle, start);
            }
        }
        catch (IOException)
        {
            // The file is unreachable; the next open repairs any torn tail.
        }
    }

    // Makes room at .1 (shifting older files up), renames the held file there, opens the successor, then closes the
    // held file. Any step may throw; what was done stays done and the next call continues from there.
    private void Roll()
    {
        ShiftRolledFiles();
        _stream.Flush(flushToDisk: true);
        File.Move(_path, ThrowIfFolder(RolledPath(1)));
        _rolledAway = true;
        OpenSuccessor();
    }

    private void OpenSuccessor()
    {
        FileStream next = OpenAt(out _);
        _rolledAway = false;
        Close(_stream);
        _stream = next;
    }

    // Shifts .1 .. .k-1 up by one, where .k is the first free name (deleting the oldest when none is free), so that
    // a retry after a partial shift deletes nothing more. A folder at one of those names is never moved or deleted.
    private void ShiftRolledFiles()
    {
        int free = 1;
        while (free <= _options.RetainedFiles && Path.Exists(RolledPath(free)))
        {
            free++;
        }

        if (free > _options.RetainedFiles)
        {
            free = _options.RetainedFiles;
            File.Delete(ThrowIfFolder(RolledPath(free)));
        }

        for (int i = free - 1; i >= 1; i--)
        {
            File.Move(ThrowIfFolder(RolledPath(i)), RolledPath(i + 1));
        }
    }

    private static string ThrowIfFolder(string path)
        => Directory.Exists(path) ? throw new IOException($"Cannot roll the audit file: a folder is in the way at '{path}'.") : path;

    private static void Close(FileStream stream)
    {
        try
        {
            stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // A file deleted or unreachable cannot be synced; what matters is in the new one.
        }
        finally
        {
            stream.Dispose();
        }
    }

    private string RolledPath(int index)
    {
        string folder = Path.GetDirectoryName(_path) ?? string.Empty;
        return Path.Combine(folder, Path.GetFileNameWithoutExtension(_path) + "." + index + Path.GetExtension(_path));
    }

    // The newest of our own rolled file and logrotate's (audit.jsonl.1, or with dateext audit.jsonl-YYYYMMDD); when
    // none has a line, logrotate's compressed one (audit.jsonl.1.gz, or the newest dated .gz).
    private long LastSequenceOfPredecessors()
    {
        string name = Path.GetFileName(_path);
        string folder = Path.GetDirectoryName(_path) ?? ".";
        long last = Math.Max(AuditFileTail.LastSequence(RolledPath(1)), AuditFileTail.LastSequence(_path + ".1"));
        string? dated = Newest(Directory.EnumerateFiles(folder, name + "-*"), compressed: false);
        if (dated is not null)
        {
            last = Math.Max(last, AuditFileTail.LastSequence(dated));
        }

        if (last > 0)
        {
            return last;
        }

        string? compressed = Newest(Directory.EnumerateFiles(folder, name + "*.gz"), compressed: true);
        return compressed is null ? 0 : AuditFileTail.LastSequenceCompressed(compressed);
    }

    private static string? Newest(System.Collections.Generic.IEnumerable<string> files, bool compressed)
    {
        string? newest = null;
        DateTime newestTime = DateTime.MinValue;
        foreach (string file in files)
        {
            DateTime written = File.GetLastWriteTimeUtc(file);
            if (file.EndsWith(".gz", StringComparison.Ordinal) == compressed && written > newestTime)
            {
                (newestTime, newest) = (written, file);
            }
        }

        return newest;
    }
}
