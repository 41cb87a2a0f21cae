using System;
using System.Buffers.Text;
using System.IO;
using System.Security.Cryptography;
using Infernum.Audit.Fast.Forwarding.Syslog;

namespace Infernum.Audit.Fast.Forwarding.Files;

/// <summary>
/// Keeps lines too long to ship: each is appended verbatim to <c>oversize.jsonl</c> (fsynced before the stub is
/// sent), and a stub takes its place on the wire:
/// <c>{"timestamp":"…","event_type":"audit_oversize","line_bytes":N,"sha256":"…","seq":S}</c> — the original's
/// timestamp and <c>seq</c>, so the collector sees no gap in <c>seq</c> and can match the local copy by hash.
/// A line may arrive in parts (longer than the read buffer). Every record is exactly one line: a record left
/// unterminated (the process was killed while writing it) is cut when the file is opened, and one abandoned in this
/// process (the connection failed between its parts) is cut by <see cref="Abandon"/>, so the line recorded again
/// later is never glued to a fragment.
/// </summary>
internal sealed class OversizeRecorder : IDisposable
{
    private const int TailBytes = 64;

    private readonly string _path;
    private readonly Action<AuditForwarderReport> _report;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _timestamp = new byte[64];
    private readonly byte[] _tail = new byte[TailBytes];
    private FileStream? _file;
    private int _timestampLength;
    private int _tailLength;
    private long _length;
    private bool _started;
    private bool _recording;

    // Where the record being written starts in the file (its length before it).
    private long _recordStart;

    public OversizeRecorder(string stateDirectory, Action<AuditForwarderReport> report)
    {
        _path = Path.Combine(stateDirectory, "oversize.jsonl");
        _report = report;
    }

    /// <summary>The record file's path.</summary>
    public string RecordPath => _path;

    /// <summary>
    /// Adds a part of the line (the first part may be the whole line, with its <c>\n</c>). <paramref name="record"/>
    /// false (a resend of a line recorded before) only hashes it.
    /// </summary>
    public void Append(ReadOnlySpan<byte> part, bool record)
    {
        if (!_started)
        {
            _started = true;
            _recording = record;
            ReadOnlySpan<byte> timestamp = JsonLineFields.StringValue(part, "\"timestamp\":\""u8);
            _timestampLength = Math.Min(timestamp.Length, _timestamp.Length);
            timestamp[.._timestampLength].CopyTo(_timestamp);
            if (record)
            {
                _file ??= Open();
                _recordStart = _file.Position;
            }
        }

        _hash.AppendData(part);
        if (_recording)
        {
            _file!.Write(part);
        }

        _length += part.Length;
        if (part.Length >= TailBytes)
        {
            part[^TailBytes..].CopyTo(_tail);
            _tailLength = TailBytes;
        }
        else
        {
            int keep = Math.Min(_tailLength, TailBytes - part.Length);
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
            part.CopyTo(_tail.AsSpan(keep));
            _tailLength = keep + part.Length;
        }
    }

    /// <summary>
    /// Ends the line: makes the record durable and writes the stub (no <c>\n</c>) into <paramref name="stub"/>
    /// (at least 256 octets); returns the stub's length and the line's <c>seq</c> (-1 if none).
    /// </summary>
    public int Complete(Span<byte> stub, out long sequence, out long lineBytes)
    {
        if (_recording)
        {
            _file!.Flush(flushToDisk: true);
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        _hash.GetHashAndReset(digest);
        sequence = JsonLineFields.Sequence(_tail.AsSpan(0, _tailLength));
        lineBytes = _length;

        int at = 0;
        Append(stub, ref at, "{\"timestamp\":\""u8);
        Append(stub, ref at, _timestamp.AsSpan(0, _timestampLength));
        Append(stub, ref at, "\",\"event_type\":\"audit_oversize\",\"line_bytes\":"u8);
        Utf8Formatter.TryFormat(_length, stub[at..], out int written);
        at += written;
        Append(stub, ref at, ",\"sha256\":\""u8);
        at += System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(digest), stub[at..]);
        Append(stub, ref at, "\""u8);
        if (sequence >= 0)
        {
            Append(stub, ref at, ",\"seq\":"u8);
            Utf8Formatter.TryFormat(sequence, stub[at..], out written);
            at += written;
        }

        Append(stub, ref at, "}"u8);
        _started = false;
        _length = 0;
        _tailLength = 0;
        return at;
    }

    /// <summary>Forgets a line whose parts stopped coming (the pump ended mid-line): its partial record is cut.</summary>
    public void Abandon()
    {
        if (!_started)
        {
            return;
        }

        if (_recording)
        {
            _file!.SetLength(_recordStart);
            _file.Position = _recordStart;
            _file.Flush(flushToDisk: true);
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        _hash.GetHashAndReset(digest);
        _started = false;
        _length = 0;
        _tailLength = 0;
    }

    public void Dispose()
    {
        _file?.Dispose();
        _hash.Dispose();
    }

    // Opens the record file positioned after its last complete record, cutting an unterminated tail.
    private FileStream Open()
    {
        FileStream file = new(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            long length = file.Length;
            long end = length;
            byte[] chunk = new byte[64 * 1024];
            while (end > 0)
            {
                int size = (int)Math.Min(chunk.Length, end);
                file.Position = end - size;
                file.ReadExactly(chunk, 0, size);
                int newline = chunk.AsSpan(0, size).LastIndexOf((byte)'\n');
                if (newline >= 0)
                {
                    end = end - size + newline + 1;
                    break;
                }

                end -= size;
            }

            if (end != length)
            {
                file.SetLength(end);
                file.Flush(flushToDisk: true);
                _report(new AuditForwarderReport(AuditForwarderReportKind.FileError,
                    $"{_path} ended with {length - end} octets of an unfinished record (the forwarder was stopped while writing it); they were cut, and the line is recorded again when it is read again.", null));
            }

            file.Position = end;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void Append(Span<byte> destination, ref int at, ReadOnlySpan<byte> text)
    {
        text.CopyTo(destination[at..]);
        at += text.Length;
    }
}
