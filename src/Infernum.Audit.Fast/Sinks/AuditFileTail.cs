using System;
using System.Buffers;
using System.Buffers.Text;
using System.IO;
using System.IO.Compression;
using System.Text;
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
    /// The <c>seq</c> of the last line of a file that ends with a complete line, or 0 if it is empty or its last line
    /// is a JSON object without <c>seq</c> (written with sequence numbers off).
    /// </summary>
    /// <exception cref="InvalidDataException">The last line is not a JSON object, or its <c>seq</c> is not a number from 0 to 2^63−1.</exception>
    public static long LastSequence(SafeFileHandle file, long length, string path)
    {
        if (length == 0)
        {
            return 0;
        }

        long start = LineStart(file, length - 1);
        if (length - start > MaxLineBytes)
        {
            throw Unreadable(path, "a last line of " + (length - start) + " bytes");
        }

        byte[] line = new byte[(int)(length - start)];
        RandomAccess.Read(file, line, start);
        return Sequence(line, path);
    }

    /// <summary>The <c>seq</c> of the last line of a gzip-compressed file (logrotate's <c>compress</c>), or 0 if there is no such file.</summary>
    /// <remarks>Reads the whole file once: used only on open, when neither the file nor an uncompressed rotated file has a line.</remarks>
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
        byte[]? lastLine = null;
        int read;
        while ((read = gzip.Read(chunk)) > 0)
        {
            ReadOnlySpan<byte> span = chunk.AsSpan(0, read);
            int end = span.LastIndexOf((byte)'\n');
            if (end >= 0)
            {
                int previous = span[..end].LastIndexOf((byte)'\n');
                if (previous >= 0)
                {
                    lastLine = span[(previous + 1)..end].ToArray();
                }
                else
                {
                    partial.Write(span[..end]);
                    lastLine = partial.WrittenSpan.ToArray();
                }

                partial.ResetWrittenCount();
                span = span[(end + 1)..];
            }

            if (partial.WrittenCount + span.Length > MaxLineBytes)
            {
                throw Unreadable(path, "a line of more than " + MaxLineBytes + " bytes");
            }

            partial.Write(span);
        }

        return lastLine is null ? 0 : Sequence(lastLine, path);
    }

    // The seq at the end of one line (without or with its '\n').
    private static long Sequence(ReadOnlySpan<byte> line, string path)
    {
        ReadOnlySpan<byte> text = line.TrimEnd("\r\n"u8);
        if (text.IsEmpty || text[0] != (byte)'{' || text[^1] != (byte)'}')
        {
            throw Unreadable(path, Excerpt(text));
        }

        ReadOnlySpan<byte> field = "\"seq\":"u8;
        int at = text.LastIndexOf(field);
        if (at < 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> value = text[(at + field.Length)..];
        if (!Utf8Parser.TryParse(value, out long seq, out int consumed) || consumed == 0 || value[0] is < (byte)'0' or > (byte)'9'
            || value[consumed..] is not [(byte)'}'])
        {
            throw Unreadable(path, Excerpt(text[at..]));
        }

        return seq;
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
        => new($"The last line of '{path}' has no readable \"seq\" ({found}), so the logger cannot continue its sequence "
            + "without repeating numbers. Move the file aside, or end it with a line of this logger.");
}
