using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>
/// Appends audit lines to a file (others may read it meanwhile), with optional size-based rolling and fsync policy.
/// </summary>
/// <remarks>
/// <para>
/// One writer per file: opening takes an exclusive lock on <c>.{name}.lock</c> beside the file (kept while the sink
/// is open; the lock file itself stays), so a second logger on the same path, in this process or another, fails at open instead of
/// interleaving a second sequence into the file; the open file itself carries an exclusive <c>fcntl</c> OFD lock on
/// one byte far past its end, so another name for the same file (a hard link) is refused too. Readers are never locked out.
/// </para>
/// <para>
/// Other programs may rotate the file. Writes are in append mode (<c>O_APPEND</c> on Linux), so a file truncated
/// under the sink (logrotate <c>copytruncate</c>) gets the next line at its new end, not after a hole of NUL bytes.
/// Before each batch the sink compares the file it holds with the one at its path (device and inode); when the file
/// was renamed (logrotate with or without <c>create</c>) or deleted, it opens the file at the path and continues
/// there. A batch that landed in a file deleted during the write is written again to the new file. A move to another
/// filesystem (copy, then unlink) is not noticed until the unlink: lines written in between are lost, like
/// <c>copytruncate</c>'s window.
/// </para>
/// <para>
/// Rolling renames the held file to <c>.1</c> and opens the successor before it closes the held one. A step that fails
/// (a rename refused, permission denied) throws from <see cref="Write(ReadOnlySpan{byte})"/> with nothing of the batch written; the
/// writer retries the batch, which retries the roll where it stopped.
/// </para>
/// <para>
/// Opening repairs a crash leftover — an unterminated last line is cut off — and takes the highest last <c>seq</c> of
/// the file and every rotated file (ours, logrotate's numbered, dated or compressed, and those in
/// <see cref="AuditFileOptions.RotatedFolder"/>), each read back past blank and <c>seq</c>-less lines, so the logger
/// continues the sequence. A symbolic link at the path is never followed.
/// A failed write is cut back to the last complete line before it throws, so the retry neither duplicates nor
/// tears a line.
/// </para>
/// </remarks>
internal sealed class FileAuditSink : AuditSink
{
    // How long a lock held elsewhere is waited for before the open is refused. A child process that another thread
    // starts holds copies of every open file of this process from its fork until its exec closes them, with their locks:
    // a logger closed and opened again on the same path in that moment would otherwise be refused as a second writer.
    // A real second writer holds on, and is refused this much later.
    internal const int LockRetryMilliseconds = 1000;

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

            // The maximum over the file and every rotated file: whichever holds the newest line (a rotation by another
            // program, a foreign line appended, an empty successor), no number is used twice.
            _lastSequenceNumber = Math.Max(AuditFileTail.LastSequence(_stream.SafeFileHandle, _length, _path), LastSequenceOfPredecessors());
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

    /// <summary>Tests only: called right after a batch went into the file, before the sink checks it still has a name.</summary>
    internal delegate void AppendedHandler(ReadOnlySpan<byte> lines);

    /// <summary>Tests only: see <see cref="AppendedHandler"/> (a deletion between the write and that check).</summary>
    internal AppendedHandler? AppendedForTests { get; set; }

    public override void Write(ReadOnlySpan<byte> lines) => Write(lines, repeatInSuccessor: true);

    /// <summary>
    /// Writes <paramref name="lines"/>; if the file was deleted while they went in, continues in a new file at the path
    /// and, when <paramref name="repeatInSuccessor"/>, writes them there again. A line that belongs to the file it was
    /// written to (an evidence checkpoint, which signs that file's tree) passes <see langword="false"/>.
    /// </summary>
    internal void Write(ReadOnlySpan<byte> lines, bool repeatInSuccessor)
    {
        FollowPath();
        if (_options.MaxFileBytes > 0 && _length > 0 && _length + lines.Length > _options.MaxFileBytes)
        {
            Roll();
        }

        AppendFirst();
        Append(lines);
        AppendedForTests?.Invoke(lines);
        if (FileIdentity.IsExact && FileIdentity.Of(_stream.SafeFileHandle, _statBuffer).Links == 0)
        {
            // Deleted while we wrote: those lines are in no file. The next one at the path gets them.
            Reopen();
            AppendFirst();
            if (repeatInSuccessor)
            {
                Append(lines);
            }
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
        long deadline = Environment.TickCount64 + LockRetryMilliseconds;
        while (true)
        {
            try
            {
                // FileShare.None: an exclusive flock(2) on Unix, a share mode on Windows; both refuse a second holder,
                // in this process or another, and both end with the holder.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
            {
                if (Environment.TickCount64 >= deadline)
                {
                    throw new IOException(
                        $"Another audit logger is writing '{path}' (it holds '{lockPath}'). Two writers on one file would interleave "
                        + "two sequences; give each logger its own file.", e);
                }

                Thread.Sleep(1);
            }
        }
    }

    // Takes the writer lock on the opened file, waiting out a refusal for up to LockRetryMilliseconds.
    private static bool LockWriter(FileStream stream)
    {
        long deadline = Environment.TickCount64 + LockRetryMilliseconds;
        while (!FileIdentity.TryLockWriter(stream.SafeFileHandle))
        {
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    // Opens (or creates) the file at the path in append mode, cutting an unterminated last line; sets _identity, _length.
    private FileStream OpenAt(out long repaired)
    {
        string? folder = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder); // it may have been deleted with the file
        }

        RefuseSymbolicLink();
        var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, bufferSize: 0);
        try
        {
            // A link put at the path between the check and the open: the path's own identity is not the opened file's.
            if (FileIdentity.IsExact
                && (!FileIdentity.TryOf(_path, _pathBytes, _statBuffer, out FileIdentity atPath)
                    || !atPath.SameFile(FileIdentity.Of(stream.SafeFileHandle, _statBuffer))))
            {
                RefuseSymbolicLink();
                throw new IOException($"The audit file at '{_path}' changed while it was opened; not writing to it.");
            }

            if (!LockWriter(stream))
            {
                throw new IOException(
                    $"Another audit logger is writing the file at '{_path}' through another name (a hard link to it): two "
                    + "writers on one file would interleave two sequences; give each logger its own file.");
            }

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

    // Another program's symbolic link at the audit path could point anywhere (a victim file, a device): never follow
    // one, neither at open nor after a rotation. Thrown from Write it is a sink fault: reported and retried, lines kept.
    private void RefuseSymbolicLink()
    {
        string? target = new FileInfo(_path).LinkTarget;
        if (target is not null)
        {
            throw new IOException(
                $"The audit path '{_path}' is a symbolic link (to '{target}'); the file sink never follows one, so another "
                + "program cannot redirect audit lines into a file of its choosing. Remove the link or configure the target's path.");
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
        if (!PathNamesHeldFile())
        {
            // Another program (logrotate) moved the file away since FollowPath looked: its rotation is our roll.
            Reopen();
            return;
        }

        try
        {
            File.Move(_path, ThrowIfFolder(RolledPath(1)));
        }
        catch (FileNotFoundException)
        {
            // Moved away between the check and the rename: already gone from the path, which is what the rename was for.
        }

        _rolledAway = true;
        OpenSuccessor();
    }

    private bool PathNamesHeldFile()
    {
        FileIdentity held = FileIdentity.Of(_stream.SafeFileHandle, _statBuffer);
        return FileIdentity.TryOf(_path, _pathBytes, _statBuffer, out FileIdentity atPath) && atPath.SameFile(held) && held.Links > 0;
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
            try
            {
                File.Move(ThrowIfFolder(RolledPath(i)), RolledPath(i + 1));
            }
            catch (FileNotFoundException)
            {
                // Deleted or moved by another program meanwhile: nothing left to shift at this name.
            }
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

    // The highest last seq over every rotated file in the file's folder and in AuditFileOptions.RotatedFolder: our own
    // rolls (audit.N.jsonl), logrotate's numbered (audit.jsonl.N) and dateext (audit.jsonl-…) names, uncompressed
    // (each read from its end) or, for the newest compressed one by modification time, gzip (read whole).
    private long LastSequenceOfPredecessors()
    {
        string name = Path.GetFileName(_path);
        string stem = Path.GetFileNameWithoutExtension(_path);
        string extension = Path.GetExtension(_path);
        string folder = Path.GetDirectoryName(_path) ?? ".";
        long last = 0;
        string? newestCompressed = null;
        DateTime newestTime = DateTime.MinValue;
        foreach (string candidateFolder in RotatedFolders(folder))
        {
            if (!Directory.Exists(candidateFolder))
            {
                continue;
            }

            foreach (string file in Directory.EnumerateFiles(candidateFolder))
            {
                string candidate = Path.GetFileName(file);
                bool compressed = candidate.EndsWith(".gz", StringComparison.Ordinal);
                string plain = compressed ? candidate[..^3] : candidate;
                if (!IsRotatedName(plain, name, stem, extension) || new FileInfo(file).LinkTarget is not null)
                {
                    continue;
                }

                if (!compressed)
                {
                    last = Math.Max(last, AuditFileTail.LastSequence(file));
                    continue;
                }

                DateTime written = File.GetLastWriteTimeUtc(file);
                if (written > newestTime)
                {
                    (newestTime, newestCompressed) = (written, file);
                }
            }
        }

        return newestCompressed is null ? last : Math.Max(last, AuditFileTail.LastSequenceCompressed(newestCompressed));
    }

    private System.Collections.Generic.IEnumerable<string> RotatedFolders(string folder)
    {
        yield return folder;
        if (_options.RotatedFolder is { } other)
        {
            string full = Path.GetFullPath(other, folder);
            if (!string.Equals(full.TrimEnd(Path.DirectorySeparatorChar), folder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            {
                yield return full;
            }
        }
    }

    // audit.N.jsonl (our rolls), audit.jsonl.N (logrotate), audit.jsonl-SUFFIX (logrotate dateext).
    private static bool IsRotatedName(string candidate, string name, string stem, string extension)
    {
        if (candidate.Length > name.Length + 1 && candidate.StartsWith(name, StringComparison.Ordinal))
        {
            char separator = candidate[name.Length];
            ReadOnlySpan<char> suffix = candidate.AsSpan(name.Length + 1);
            return separator == '-' || (separator == '.' && IsDigits(suffix));
        }

        return candidate.Length > stem.Length + 1 + extension.Length
            && candidate.StartsWith(stem + ".", StringComparison.Ordinal)
            && candidate.EndsWith(extension, StringComparison.Ordinal)
            && IsDigits(candidate.AsSpan(stem.Length + 1, candidate.Length - stem.Length - 1 - extension.Length));
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
