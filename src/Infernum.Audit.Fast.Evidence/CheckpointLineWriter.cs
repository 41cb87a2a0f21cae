using System;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Evidence;

/// <summary>
/// Formats and signs <c>audit_checkpoint</c> lines into reused buffers, so a checkpoint allocates nothing on the
/// writer thread once the buffers have grown to size. The bytes equal <see cref="EvidenceLine.FormatCheckpoint"/>'s.
/// </summary>
internal sealed class CheckpointLineWriter
{
    private const int SignatureBlobBytes = 4 + 64;
    private static ReadOnlySpan<byte> Open => "{\"timestamp\":\""u8;
    private static ReadOnlySpan<byte> AfterTimestamp => "\",\"event_type\":\"audit_checkpoint\",\"from\":"u8;
    private static ReadOnlySpan<byte> AfterFrom => ",\"leaf_prefixes\":\""u8;
    private static ReadOnlySpan<byte> AfterPrefixes => "\",\"note\":\""u8;
    private static ReadOnlySpan<byte> Close => "\"}\n"u8;
    private static ReadOnlySpan<byte> SignaturePrefix => "\u2014 "u8;

    private readonly NoteSigningKey _key;
    private readonly byte[] _name;
    private readonly byte[] _closed = Encoding.ASCII.GetBytes(Checkpoint.ClosedExtension + "\n");
    private byte[] _origin = [];
    private byte[] _note = new byte[1024];
    private byte[] _line = new byte[16 * 1024];
    private int _noteLength;

    // The note of the last checkpoint written (or found in the file), as text; built only when asked for.
    private string? _lastNote;
    private byte[] _last = new byte[1024];
    private int _lastLength = -1;

    internal CheckpointLineWriter(NoteSigningKey key)
    {
        _key = key;
        _name = Encoding.UTF8.GetBytes(key.Name);
    }

    internal string? LastNote => _lastNote ??= _lastLength < 0 ? null : Encoding.UTF8.GetString(_last, 0, _lastLength);

    internal void SetOrigin(string origin) => _origin = Encoding.UTF8.GetBytes(origin);

    internal void SetLastNote(string? note)
    {
        _lastNote = note;
        _lastLength = note is null ? -1 : 0;
        if (note is not null)
        {
            _last = Encoding.UTF8.GetBytes(note);
            _lastLength = _last.Length;
        }
    }

    /// <summary>The whole line, ending in <c>\n</c>; valid until the next call.</summary>
    internal ReadOnlySpan<byte> Format(DateTime now, long size, ReadOnlySpan<byte> root, bool closed, long from, ReadOnlySpan<byte> prefixes)
    {
        // The note: checkpoint text, blank line, one signature line (C2SP tlog-checkpoint in C2SP signed-note).
        Ensure(ref _note, _origin.Length + 20 + 44 + _closed.Length + 1 + SignaturePrefix.Length + _name.Length + 1 + 92 + 1 + 8);
        int n = Copy(_origin, _note, 0);
        _note[n++] = (byte)'\n';
        Utf8Formatter.TryFormat(size, _note.AsSpan(n), out int written);
        n += written;
        _note[n++] = (byte)'\n';
        Base64.EncodeToUtf8(root, _note.AsSpan(n), out _, out written);
        n += written;
        _note[n++] = (byte)'\n';
        if (closed)
        {
            n += Copy(_closed, _note, n);
        }

        int textLength = n;
        Span<byte> blob = stackalloc byte[SignatureBlobBytes];
        BinaryPrimitives.WriteUInt32BigEndian(blob, _key.VerifierKey.KeyId);
        _key.Sign(_note.AsSpan(0, textLength), blob[4..]);
        _note[n++] = (byte)'\n';
        n += Copy(SignaturePrefix, _note, n);
        n += Copy(_name, _note, n);
        _note[n++] = (byte)' ';
        Base64.EncodeToUtf8(blob, _note.AsSpan(n), out _, out written);
        n += written;
        _note[n++] = (byte)'\n';
        _noteLength = n;

        // The line around it; the note's newlines written as the JSON escape \n.
        Ensure(ref _line, 128 + Base64.GetMaxEncodedToUtf8Length(prefixes.Length) + (2 * _noteLength));
        int at = Copy(Open, _line, 0);
        now.TryFormat(_line.AsSpan(at), out written, "O", CultureInfo.InvariantCulture);
        at += written;
        at += Copy(AfterTimestamp, _line, at);
        Utf8Formatter.TryFormat(from, _line.AsSpan(at), out written);
        at += written;
        at += Copy(AfterFrom, _line, at);
        Base64.EncodeToUtf8(prefixes, _line.AsSpan(at), out _, out written);
        at += written;
        at += Copy(AfterPrefixes, _line, at);
        foreach (byte b in _note.AsSpan(0, _noteLength))
        {
            if (b == (byte)'\n')
            {
                _line[at++] = (byte)'\\';
                _line[at++] = (byte)'n';
            }
            else
            {
                _line[at++] = b;
            }
        }

        at += Copy(Close, _line, at);
        return _line.AsSpan(0, at);
    }

    /// <summary>The line just formatted is in the file: its note becomes the last one.</summary>
    internal void Commit()
    {
        Ensure(ref _last, _noteLength);
        _note.AsSpan(0, _noteLength).CopyTo(_last);
        _lastLength = _noteLength;
        _lastNote = null;
    }

    private static int Copy(ReadOnlySpan<byte> source, byte[] destination, int at)
    {
        source.CopyTo(destination.AsSpan(at));
        return source.Length;
    }

    private static void Ensure(ref byte[] buffer, int bytes)
    {
        if (buffer.Length < bytes)
        {
            buffer = new byte[Math.Max(bytes, buffer.Length * 2)];
        }
    }
}
