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
    /// <summary>The most octets a header (everything before MSG) can take: PRI, version, timestamp, the fields, SD.</summary>
    public const int MaxHeaderBytes = 5 + 2 + 32 + 1 + 255 + 1 + 48 + 1 + 128 + 1 + 32 + 3;

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

    /// <summary>Octets of one message for <paramref name="line"/> (without its <c>\n</c>), before any framing.</summary>
    public int MessageLength(ReadOnlySpan<byte> line)
    {
        int timestamp = Timestamp(line, Span<byte>.Empty);
        int messageId = MessageId(line, Span<byte>.Empty);
        return _prefix.Length + timestamp + _middle.Length + messageId + 3 + line.Length;
    }

    /// <summary>
    /// Writes the RFC 5424 message for <paramref name="line"/> (no <c>\n</c>) into <paramref name="destination"/>;
    /// returns the octets written, or -1 if it does not fit.
    /// </summary>
    public int WriteMessage(ReadOnlySpan<byte> line, Span<byte> destination)
    {
        int length = MessageLength(line);
        if (length > destination.Length)
        {
            return -1;
        }

        int at = 0;
        _prefix.CopyTo(destination);
        at += _prefix.Length;
        at += Timestamp(line, destination[at..]);
        _middle.CopyTo(destination[at..]);
        at += _middle.Length;
        at += MessageId(line, destination[at..]);
        " - "u8.CopyTo(destination[at..]);
        at += 3;
        line.CopyTo(destination[at..]);
        at += line.Length;
        Debug.Assert(at == length);
        return at;
    }

    /// <summary>
    /// Writes <c>MSG-LEN SP SYSLOG-MSG</c> (RFC 6587 section 3.4.1) for <paramref name="line"/> (no <c>\n</c>); returns
    /// the octets written, or -1 if it does not fit.
    /// </summary>
    public int WriteOctetCountedFrame(ReadOnlySpan<byte> line, Span<byte> destination)
    {
        int length = MessageLength(line);
        int digits = CountDigits(length);
        if (digits + 1 + length > destination.Length)
        {
            return -1;
        }

        Utf8Formatter.TryFormat(length, destination, out int written);
        destination[written] = (byte)' ';
        int message = WriteMessage(line, destination[(written + 1)..]);
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

    // Writes the TIMESTAMP field (or "-") when destination is non-empty; returns its length either way.
    private static int Timestamp(ReadOnlySpan<byte> line, Span<byte> destination)
    {
        ReadOnlySpan<byte> value = JsonLineFields.StringValue(line, "\"timestamp\":\""u8);
        int length = Rfc5424Timestamp.Normalize(value, destination);
        if (length > 0)
        {
            return length;
        }

        if (!destination.IsEmpty)
        {
            destination[0] = (byte)'-';
        }

        return 1;
    }

    // Writes the MSGID field (or "-") when destination is non-empty; returns its length either way.
    private static int MessageId(ReadOnlySpan<byte> line, Span<byte> destination)
    {
        ReadOnlySpan<byte> value = JsonLineFields.StringValue(line, "\"event_type\":\""u8);
        if (value.IsEmpty)
        {
            if (!destination.IsEmpty)
            {
                destination[0] = (byte)'-';
            }

            return 1;
        }

        int length = Math.Min(value.Length, MaxMessageId);
        if (!destination.IsEmpty)
        {
            for (int i = 0; i < length; i++)
            {
                byte b = value[i];
                destination[i] = b is >= 33 and <= 126 ? b : (byte)'_';
            }
        }

        return length;
    }

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
