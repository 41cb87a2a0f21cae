using System;
using System.Buffers.Text;
using System.Diagnostics;
using System.IO;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>
/// Appends audit lines to a file (others may read it meanwhile), with optional size-based rolling and fsync policy.
/// </summary>
/// <remarks>
/// Opening repairs a crash leftover — an unterminated last line is cut off — and reads the last line's <c>seq</c>
/// so the logger continues the sequence. A failed write is truncated back to the last complete line before it
/// throws, so the writer's retry neither duplicates nor tears a line.
/// </remarks>
internal sealed class FileAuditSink : AuditSink
{
    private const int TailChunk = 64 * 1024;

    private readonly string _path;
    private readonly AuditFileOptions _options;
    private readonly long _lastSequenceNumber;
    private FileStream _stream;

    // Length of the file up to its last complete line: where the next write starts and where a failed one is cut back to.
    private long _length;
    private long _lastFsync = Stopwatch.GetTimestamp();
    private bool _unsynced;

    public FileAuditSink(string path, AuditFileOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _options = options ?? AuditFileOptions.Default;
        _path = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        _stream = Open(_path);
        _length = _stream.Length;
        long repaired = RepairTail(_stream, ref _length);
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

        _lastSequenceNumber = ReadLastSequence(_stream, _length);
        if (_lastSequenceNumber == 0 && _length == 0 && File.Exists(RolledPath(1)))
        {
            using FileStream previous = new(RolledPath(1), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            _lastSequenceNumber = ReadLastSequence(previous, previous.Length);
        }

        _stream.Position = _length;
    }

    public override long LastSequenceNumber => _lastSequenceNumber;

    public override void Write(ReadOnlySpan<byte> lines)
    {
        if (_options.MaxFileBytes > 0 && _length > 0 && _length + lines.Length > _options.MaxFileBytes)
        {
            Roll();
        }

        try
        {
            _stream.Write(lines);
        }
        catch (Exception)
        {
            try
            {
                _stream.SetLength(_length);
                _stream.Position = _length;
            }
            catch (IOException)
            {
                // The file is unreachable; the next open repairs any torn tail.
            }

            throw;
        }

        _length += lines.Length;
        _unsynced = true;
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
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
        }
    }

    private static FileStream Open(string path)
        => new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);

    private void Roll()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        string oldest = RolledPath(_options.RetainedFiles);
        if (File.Exists(oldest))
        {
            File.Delete(oldest);
        }

        for (int i = _options.RetainedFiles - 1; i >= 1; i--)
        {
            string from = RolledPath(i);
            if (File.Exists(from))
            {
                File.Move(from, RolledPath(i + 1));
            }
        }

        File.Move(_path, RolledPath(1));
        _stream = Open(_path);
        _length = 0;
    }

    private string RolledPath(int index)
    {
        string folder = Path.GetDirectoryName(_path) ?? string.Empty;
        return Path.Combine(folder, Path.GetFileNameWithoutExtension(_path) + "." + index + Path.GetExtension(_path));
    }

    // Cuts an unterminated last line; returns the bytes removed.
    private static long RepairTail(FileStream stream, ref long length)
    {
        if (length == 0)
        {
            return 0;
        }

        byte[] last = new byte[1];
        stream.Position = length - 1;
        stream.ReadExactly(last);
        if (last[0] == (byte)'\n')
        {
            return 0;
        }

        long lineStart = FindLineStart(stream, length);
        long removed = length - lineStart;
        stream.SetLength(lineStart);
        stream.Flush(flushToDisk: true);
        length = lineStart;
        return removed;
    }

    // Offset just after the last '\n' before end (0 if none).
    private static long FindLineStart(FileStream stream, long end)
    {
        byte[] chunk = new byte[TailChunk];
        long position = end;
        while (position > 0)
        {
            int size = (int)Math.Min(TailChunk, position);
            position -= size;
            stream.Position = position;
            stream.ReadExactly(chunk, 0, size);
            int newline = chunk.AsSpan(0, size).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return position + newline + 1;
            }
        }

        return 0;
    }

    // The "seq" of the last complete line in [0, length), or 0.
    private static long ReadLastSequence(FileStream stream, long length)
    {
        if (length == 0)
        {
            return 0;
        }

        long start = FindLineStart(stream, length - 1);
        int size = (int)Math.Min(length - start, 32 * 1024 * 1024);
        byte[] line = new byte[size];
        stream.Position = length - size;
        stream.ReadExactly(line);
        ReadOnlySpan<byte> field = "\"seq\":"u8;
        int at = line.AsSpan().LastIndexOf(field);
        if (at < 0 || !Utf8Parser.TryParse(line.AsSpan(at + field.Length), out long seq, out _))
        {
            return 0;
        }

        return seq;
    }
}
