using System;

namespace Infernum.Audit.Fast.Forwarding.Syslog;

/// <summary>Finds top-level string fields of an audit line without parsing it: the raw, still-escaped JSON text.</summary>
internal static class JsonLineFields
{
    /// <summary>
    /// The raw text of the string value whose <paramref name="keyAndQuote"/> (<c>"name":"</c>) occurs first in the
    /// line, up to its closing quote; empty when absent or unterminated. The writer puts <c>timestamp</c> and
    /// <c>event_type</c> first, so the search ends within the first few dozen octets.
    /// </summary>
    public static ReadOnlySpan<byte> StringValue(ReadOnlySpan<byte> line, ReadOnlySpan<byte> keyAndQuote)
    {
        int at = line.IndexOf(keyAndQuote);
        if (at < 0)
        {
            return ReadOnlySpan<byte>.Empty;
        }

        ReadOnlySpan<byte> rest = line[(at + keyAndQuote.Length)..];
        int end = 0;
        while (end < rest.Length)
        {
            byte b = rest[end];
            if (b == (byte)'"')
            {
                return rest[..end];
            }

            end += b == (byte)'\\' ? 2 : 1;
        }

        return ReadOnlySpan<byte>.Empty;
    }

    /// <summary>The last <c>"seq":N</c> of the line, or -1.</summary>
    public static long Sequence(ReadOnlySpan<byte> line)
    {
        ReadOnlySpan<byte> field = "\"seq\":"u8;
        int at = line.LastIndexOf(field);
        if (at < 0 || !System.Buffers.Text.Utf8Parser.TryParse(line[(at + field.Length)..], out long seq, out _))
        {
            return -1;
        }

        return seq;
    }
}
