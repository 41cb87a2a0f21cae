using System;
using System.Buffers.Text;
using System.Diagnostics;
using System.Text;

namespace Infernum.Audit.Fast.Forwarding.Syslog;

/// <summary>
/// Turns one audit line into an RFC 5424 message (section 6) whose MSG is the line, and frames it with RFC 6587
/// octet counting (section 3.4.1, also RFC 5425 section 4.3) or as the DATA of a RELP <c>syslog</c> command.
/// </summary>
/// <remarks>
/// <code>
/// MSG-LEN SP "&lt;" PRIVAL "&gt;1" SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP "-" SP MSG
/// 212 &lt;110&gt;1 2026-11-27T21:55:00.123456Z host app 4242 auth_success - {"timestamp":...,"seq":1}
/// </code>
/// TIMESTAMP is the line's <c>timestamp</c> cut to the six fraction digits RFC 5424 allows (TIME-SECFRAC), or the
/// NILVALUE <c>-</c> when the line has none that parses; MSGID is the line's <c>event_type</c>, at most 32 octets of
/// PRINTUSASCII (others become <c>_</c>), or <c>-</c>. STRUCTURED-DATA is always the NILVALUE. MSG is the line
/// without its <c>\n</c>, as MSG-ANY: no BOM, because RFC 8259 section 8.1 forbids one before JSON on the wire.
/// </remarks>
internal sealed class SyslogMessageWriter
{
    /// <summary>Room for the octet count and its space in front of a frame.</summary>
    public const int MaxLengthPrefixBytes = 11;

    private const int MaxMessageId = 32;

    // "<PRI>1 " — fixed per writer.
    private readonly byte[] _prefix;

    // " HOSTNAME APP-NAME PROCID " — fixed per writer.
    private readonly byte[] _middle;

    public SyslogMessageWriter(int facility, int severity, string hostName, string appName, string procId)
    {
        Debug.Assert(facility is >= 0 and <= 23 && severity is >= 0 and <= 7);
        _prefix = Encoding.ASCII.GetBytes("<" + (facility * 8 + severity).ToString(System.Globalization.CultureInfo.InvariantCulture) + ">1 ");
        _middle = Encoding.ASCII.GetBytes(" " + HeaderField(hostName, 255) + " " + HeaderField(appName, 48) + " " + HeaderField(procId, 128) + " ");
    }

    /// <summary>Finds the header fields of <paramref name="line"/> (no <c>\n</c>) once, for the length check and the write.</summary>
    public SyslogHeader Prepare(ReadOnlySpan<byte> line)
    {
        ReadOnlySpan<byte> timestamp = JsonLineFields.StringValue(line, "\"timestamp\":\""u8);
        int timestampLength = Rfc5424Timestamp.Normalize(timestamp, Span<byte>.Empty);
        int timestampStart = timestampLength > 0 ? Offset(line, timestamp) : -1;
        ReadOnlySpan<byte> messageId = JsonLineFields.StringValue(line, "\"event_type\":\""u8);
        int messageIdLength = Math.Min(messageId.Length, MaxMessageId);
        int messageIdStart = messageIdLength > 0 ? Offset(line, messageId) : -1;
        int length = _prefix.Length + Math.Max(timestampLength, 1) + _middle.Length + Math.Max(messageIdLength, 1) + 3 + line.Length;
        return new SyslogHeader(timestampStart, timestamp.Length, messageIdStart, messageIdLength, length);
    }

    /// <summary>Octets of one message for <paramref name="line"/> (without its <c>\n</c>), before any framing.</summary>
    public int MessageLength(ReadOnlySpan<byte> line) => Prepare(line).MessageLength;

    /// <summary>
    /// Writes the RFC 5424 message for <paramref name="line"/> (no <c>\n</c>) into <paramref name="destination"/>;
    /// returns the octets written, or -1 if it does not fit.
    /// </summary>
    public int WriteMessage(ReadOnlySpan<byte> line, Span<byte> destination) => WriteMessage(line, Prepare(line), destination);

    /// <summary>As <see cref="WriteMessage(ReadOnlySpan{byte}, Span{byte})"/> with the header already found by <see cref="Prepare"/>.</summary>
    public int WriteMessage(ReadOnlySpan<byte> line, in SyslogHeader header, Span<byte> destination)
    {
        if (header.MessageLength > destination.Length)
        {
            return -1;
        }

        int at = 0;
        _prefix.CopyTo(destination);
        at += _prefix.Length;
        if (header.TimestampStart >= 0)
        {
            at += Rfc5424Timestamp.Normalize(line.Slice(header.TimestampStart, header.TimestampRawLength), destination[at..]);
        }
        else
        {
            destination[at++] = (byte)'-';
        }

        _middle.CopyTo(destination[at..]);
        at += _middle.Length;
        if (header.MessageIdStart >= 0)
        {
            ReadOnlySpan<byte> messageId = line.Slice(header.MessageIdStart, header.MessageIdLength);
            for (int i = 0; i < messageId.Length; i++)
            {
                byte b = messageId[i];
                destination[at++] = b is >= 33 and <= 126 ? b : (byte)'_';
            }
        }
        else
        {
            destination[at++] = (byte)'-';
        }

        " - "u8.CopyTo(destination[at..]);
        at += 3;
        line.CopyTo(destination[at..]);
        at += line.Length;
        Debug.Assert(at == header.MessageLength);
        return at;
    }

    /// <summary>
    /// Writes <c>MSG-LEN SP SYSLOG-MSG</c> (RFC 6587 section 3.4.1) for <paramref name="line"/> (no <c>\n</c>); returns
    /// the octets written, or -1 if it does not fit.
    /// </summary>
    public int WriteOctetCountedFrame(ReadOnlySpan<byte> line, Span<byte> destination) => WriteOctetCountedFrame(line, Prepare(line), destination);

    /// <summary>As <see cref="WriteOctetCountedFrame(ReadOnlySpan{byte}, Span{byte})"/> with the header already found.</summary>
    public int WriteOctetCountedFrame(ReadOnlySpan<byte> line, in SyslogHeader header, Span<byte> destination)
    {
        int length = header.MessageLength;
        int digits = CountDigits(length);
        if (digits + 1 + length > destination.Length)
        {
            return -1;
        }

        Utf8Formatter.TryFormat(length, destination, out int written);
        destination[written] = (byte)' ';
        int message = WriteMessage(line, header, destination[(written + 1)..]);
        Debug.Assert(message == length);
        return written + 1 + message;
    }

    /// <summary>Decimal digits of a non-negative number.</summary>
    public static int CountDigits(long value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    // Where `part` (a slice of `line`) starts in `line`.
    private static int Offset(ReadOnlySpan<byte> line, ReadOnlySpan<byte> part)
        => (int)System.Runtime.CompilerServices.Unsafe.ByteOffset(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(line),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(part));

    // A configured header field as RFC 5424 PRINTUSASCII, at most maxLength octets; "-" when empty.
    internal static string HeaderField(string value, int maxLength)
    {
        StringBuilder field = new(Math.Min(value.Length, maxLength));
        foreach (char c in value)
        {
            if (field.Length == maxLength)
            {
                break;
            }

            field.Append(c is >= '!' and <= '~' ? c : '_');
        }

        return field.Length == 0 ? "-" : field.ToString();
    }
}
