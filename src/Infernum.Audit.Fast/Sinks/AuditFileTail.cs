using System;
using System.Buffers;
using System.Buffers.Text;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>
/// Reads and repairs the end of an audit file: cuts an unterminated last line and reads the last line's <c>seq</c>.
/// </summary>
internal static class AuditFileTail
{
    private const int Chunk = 64 * 1024;

    // A last line longer than this is not one of ours; its seq is reported unreadable rather than read into memory.
    private const int MaxLineBytes = 32 * 1024 * 1024;

    /// <summary>Cuts an unterminated last line off the file; returns the bytes removed and updates <paramref name="length"/>.</summary>
    public static long Repair(SafeFileHandle file, ref long length)
    {
        if (length == 0)
        {
            return 0;
        }

        Span<byte> last = stackalloc byte[1];
        if (RandomAccess.Read(file, last, length - 1) == 1 && last[0] == (byte)'\n')
        {
            return 0;
        }

        long lineStart = LineStart(file, length);
        long removed = length - lineStart;
        RandomAccess.SetLength(file, lineStart);
        length = lineStart;
        return removed;
    }

    /// <summary>
    /// The <c>seq</c> of the last line that has one, in a file that ends with a complete line, or 0 if no line has one.
    /// Reads backward from the end: blank lines and JSON objects without a top-level <c>seq</c> (another program's
    /// line, or written with sequence numbers off) are passed over, so they never restart the sequence.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// A line reached before one with a <c>seq</c> is not a JSON object (RFC 8259), or its <c>seq</c> is not an integer
    /// from 0 to 2^63−1.
    /// </exception>
    public static long LastSequence(SafeFileHandle file, long length, string path)
    {
        long end = length;
        while (end > 0)
        {
            long start = LineStart(file, end - 1);
            if (end - start > MaxLineBytes)
            {
                throw Unreadable(path, "a line of " + (end - start) + " bytes");
            }

            byte[] line = new byte[(int)(end - start)];
            RandomAccess.Read(file, line, start);
            if (Sequence(line, path) is long seq)
            {
                return seq;
            }

            end = start;
        }

        return 0;
    }

    /// <summary>The <c>seq</c> of the last line that has one in a gzip-compressed file (logrotate's <c>compress</c>), or 0.</summary>
    /// <remarks>Reads the whole file once: used only on open.</remarks>
    /// <exception cref="InvalidDataException">As <see cref="LastSequence(SafeFileHandle, long, string)"/>, or the file is not gzip.</exception>
    public static long LastSequenceCompressed(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var gzip = new GZipStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), CompressionMode.Decompress);
        byte[] chunk = new byte[Chunk];
        var partial = new ArrayBufferWriter<byte>(); // the bytes after the last '\n' read so far
        long last = 0;
        InvalidDataException? unreadable = null; // an invalid line after the last line with a seq
        int read;
        while ((read = gzip.Read(chunk)) > 0)
        {
            ReadOnlySpan<byte> span = chunk.AsSpan(0, read);
            int newline;
            while ((newline = span.IndexOf((byte)'\n')) >= 0)
            {
                ReadOnlySpan<byte> line = span[..newline];
                if (partial.WrittenCount > 0)
                {
                    partial.Write(line);
                    line = partial.WrittenSpan;
                }

                try
                {
                    if (Sequence(line, path) is long seq)
                    {
                        (last, unreadable) = (seq, null);
                    }
                }
                catch (InvalidDataException e)
                {
                    unreadable = e;
                }

                partial.ResetWrittenCount();
                span = span[(newline + 1)..];
            }

            if (partial.WrittenCount + span.Length > MaxLineBytes)
            {
                throw Unreadable(path, "a line of more than " + MaxLineBytes + " bytes");
            }

            partial.Write(span);
        }

        return unreadable is null ? last : throw unreadable;
    }

    // The top-level seq of one line (without or with its '\n'); null for a blank line or an object without seq.
    private static long? Sequence(ReadOnlySpan<byte> line, string path)
    {
        ReadOnlySpan<byte> text = line.Trim(" \t\r\n"u8);
        if (text.IsEmpty)
        {
            return null;
        }

        long? seq = null;
        bool valid = false;
        try
        {
            var reader = new Utf8JsonReader(text, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isSeq = reader.ValueTextEquals("seq"u8);
                    reader.Read();
                    if (isSeq)
                    {
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
                        {
                            throw Unreadable(path, Excerpt(text));
                        }

                        seq = value;
                    }

                    reader.Skip();
                }

                // The object closed and nothing follows it on the line.
                valid = reader.TokenType == JsonTokenType.EndObject && !reader.Read();
            }
        }
        catch (JsonException)
        {
            valid = false;
        }

        return valid ? seq : throw Unreadable(path, Excerpt(text));
    }

    /// <summary>The <c>seq</c> of the last line of the file at <paramref name="path"/>, or 0 if there is no such file.</summary>
    /// <exception cref="InvalidDataException">As <see cref="LastSequence(SafeFileHandle, long, string)"/>.</exception>
    public static long LastSequence(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = RandomAccess.GetLength(file);
        long end = LineStart(file, length);
        return LastSequence(file, end, path);
    }

    // Offset just after the last '\n' before end (0 if none).
    private static long LineStart(SafeFileHandle file, long end)
    {
        byte[] chunk = new byte[(int)Math.Min(Chunk, Math.Max(end, 1))];
        long position = end;
        while (position > 0)
        {
            int size = (int)Math.Min(chunk.Length, position);
            position -= size;
            RandomAccess.Read(file, chunk.AsSpan(0, size), position);
            int newline = chunk.AsSpan(0, size).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return position + newline + 1;
            }
        }

        return 0;
    }

    private static string Excerpt(ReadOnlySpan<byte> text)
        => Encoding.UTF8.GetString(text[..Math.Min(text.Length, 80)]);

    private static InvalidDataException Unreadable(string path, string found)
        => new($"A line at the end of '{path}' is not a JSON object with a readable \"seq\" ({found}), so the logger cannot "
            + "continue its sequence without repeating numbers. Move the file aside, or end it with a line of this logger.");
}
