using System;
using System.Buffers.Text;

namespace Infernum.Audit.Fast.Forwarding.Relp;

/// <summary>
/// RELP frames (rsyslog's "RELP - the Reliable Event Logging Protocol", section "Frame"):
/// <c>TXNR SP COMMAND SP DATALEN [SP DATA] TRAILER</c>, TRAILER = LF, TXNR 1 – 999,999,999 (then it wraps to 1),
/// COMMAND 1 – 32 letters, DATALEN the octets of DATA (no SP DATA when it is 0).
/// </summary>
internal static class RelpFrame
{
    /// <summary>The largest transaction number; the next one is 1.</summary>
    public const int MaxTransactionNumber = 999_999_999;

    /// <summary>The longest DATALEN this client accepts in a response (the open response is the longest, ~100 octets).</summary>
    public const int MaxResponseDataLength = 64 * 1024;

    /// <summary>Octets a frame needs besides DATA: TXNR (9) SP COMMAND (up to 32) SP DATALEN (10) SP LF.</summary>
    public const int MaxOverhead = 9 + 1 + 32 + 1 + 10 + 1 + 1;

    /// <summary>The transaction number after <paramref name="txnr"/>.</summary>
    public static int Next(int txnr) => txnr >= MaxTransactionNumber ? 1 : txnr + 1;

    /// <summary>
    /// Writes the head of a frame, <c>TXNR SP COMMAND SP DATALEN</c> and, when <paramref name="dataLength"/> is
    /// positive, the SP before DATA; returns the octets written (the caller writes DATA and then <c>\n</c>).
    /// </summary>
    public static int WriteHead(int txnr, ReadOnlySpan<byte> command, int dataLength, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(txnr, destination, out int at);
        destination[at++] = (byte)' ';
        command.CopyTo(destination[at..]);
        at += command.Length;
        destination[at++] = (byte)' ';
        Utf8Formatter.TryFormat(dataLength, destination[at..], out int written);
        at += written;
        if (dataLength > 0)
        {
            destination[at++] = (byte)' ';
        }

        return at;
    }

    /// <summary>Writes a whole frame; returns its length.</summary>
    public static int Write(int txnr, ReadOnlySpan<byte> command, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int at = WriteHead(txnr, command, data.Length, destination);
        data.CopyTo(destination[at..]);
        at += data.Length;
        destination[at++] = (byte)'\n';
        return at;
    }

    /// <summary>
    /// Parses one frame from the start of <paramref name="buffer"/>. Returns false when more octets are needed;
    /// <paramref name="consumed"/> is the frame's length when it returns true.
    /// </summary>
    /// <exception cref="RelpProtocolException">The octets are not a RELP frame.</exception>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out int txnr, out ReadOnlySpan<byte> command, out ReadOnlySpan<byte> data, out int consumed)
    {
        txnr = 0;
        command = default;
        data = default;
        consumed = 0;
        int at = 0;
        if (!Number(buffer, ref at, 9, out long number))
        {
            return false;
        }

        txnr = (int)number;
        if (!Space(buffer, ref at))
        {
            return false;
        }

        int commandStart = at;
        while (at < buffer.Length && IsLetter(buffer[at]))
        {
            at++;
            if (at - commandStart > 32)
            {
                throw new RelpProtocolException("RELP command longer than 32 letters.");
            }
        }

        if (at == buffer.Length)
        {
            return false;
        }

        if (at == commandStart)
        {
            throw new RelpProtocolException("RELP frame without a command.");
        }

        command = buffer[commandStart..at];
        if (!Space(buffer, ref at) || !Number(buffer, ref at, 10, out long dataLength))
        {
            return false;
        }

        if (dataLength > MaxResponseDataLength)
        {
            throw new RelpProtocolException("RELP DATALEN " + dataLength + " exceeds the client's limit.");
        }

        if (dataLength > 0)
        {
            if (!Space(buffer, ref at))
            {
                return false;
            }

            if (buffer.Length - at < dataLength)
            {
                return false;
            }

            data = buffer.Slice(at, (int)dataLength);
            at += (int)dataLength;
        }

        if (at == buffer.Length)
        {
            return false;
        }

        if (buffer[at] != (byte)'\n')
        {
            throw new RelpProtocolException("RELP frame does not end with LF.");
        }

        consumed = at + 1;
        return true;
    }

    /// <summary>The three-digit status code at the start of an <c>rsp</c> DATA, or -1.</summary>
    public static int ResponseCode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 3 || !IsDigit(data[0]) || !IsDigit(data[1]) || !IsDigit(data[2]) || (data.Length > 3 && data[3] != ' '))
        {
            return -1;
        }

        return (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsLetter(byte b) => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z';

    // Reads 1..maxDigits digits followed by a non-digit; false when the buffer ends first.
    private static bool Number(ReadOnlySpan<byte> buffer, ref int at, int maxDigits, out long value)
    {
        value = 0;
        int start = at;
        while (at < buffer.Length && IsDigit(buffer[at]))
        {
            value = value * 10 + (buffer[at] - '0');
            at++;
            if (at - start > maxDigits)
            {
                throw new RelpProtocolException("RELP number longer than " + maxDigits + " digits.");
            }
        }

        if (at == buffer.Length)
        {
            return false;
        }

        if (at == start)
        {
            throw new RelpProtocolException("RELP frame: a number was expected.");
        }

        return true;
    }

    private static bool Space(ReadOnlySpan<byte> buffer, ref int at)
    {
        if (at == buffer.Length)
        {
            return false;
        }

        if (buffer[at] != (byte)' ')
        {
            throw new RelpProtocolException("RELP frame: SP was expected.");
        }

        at++;
        return true;
    }
}
