using System;

namespace Infernum.Audit.Fast.Forwarding.Syslog;

/// <summary>
/// Checks an RFC 3339 timestamp against RFC 5424's TIMESTAMP (section 6.2.3) and writes it in that form: at most six
/// fraction digits (TIME-SECFRAC, extra ones are cut), <c>Z</c> or <c>+hh:mm</c>/<c>-hh:mm</c>, upper-case <c>T</c>.
/// Section 6.2.3 also forbids a leap second (second 60) and a date that does not exist (February 31): those are not
/// valid timestamps, and the caller sends NILVALUE.
/// </summary>
internal static class Rfc5424Timestamp
{
    private const int MaxFractionDigits = 6;

    /// <summary>
    /// Writes the RFC 5424 form of <paramref name="value"/> into <paramref name="destination"/> (nothing when it is
    /// empty, to measure) and returns its length, or 0 when the value is not a valid timestamp.
    /// </summary>
    public static int Normalize(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        // FULL-DATE "T" PARTIAL-TIME without fraction: 19 octets.
        if (value.Length < 20
            || !Digits(value, 0, 4) || value[4] != '-' || !Digits(value, 5, 2) || value[7] != '-' || !Digits(value, 8, 2)
            || (value[10] != 'T' && value[10] != 't')
            || !Digits(value, 11, 2) || value[13] != ':' || !Digits(value, 14, 2) || value[16] != ':' || !Digits(value, 17, 2)
            || !InRange(value, 5, 1, 12) || !InRange(value, 8, 1, DaysInMonth(value)) || !InRange(value, 11, 0, 23) || !InRange(value, 14, 0, 59)
            || !InRange(value, 17, 0, 59))
        {
            return 0;
        }

        int at = 19;
        int fraction = 0;
        if (value[at] == '.')
        {
            at++;
            while (at + fraction < value.Length && IsDigit(value[at + fraction]))
            {
                fraction++;
            }

            if (fraction == 0)
            {
                return 0;
            }
        }

        int offsetAt = fraction == 0 ? 19 : 20 + fraction;
        ReadOnlySpan<byte> offset = value[offsetAt..];
        bool zulu = offset.Length == 1 && (offset[0] == 'Z' || offset[0] == 'z');
        bool numeric = offset.Length == 6 && (offset[0] == '+' || offset[0] == '-') && Digits(offset, 1, 2) && offset[3] == ':'
            && Digits(offset, 4, 2) && InRange(offset, 1, 0, 23) && InRange(offset, 4, 0, 59);
        if (!zulu && !numeric)
        {
            return 0;
        }

        int kept = Math.Min(fraction, MaxFractionDigits);
        int length = 19 + (kept > 0 ? 1 + kept : 0) + offset.Length;
        if (destination.IsEmpty)
        {
            return length;
        }

        value[..19].CopyTo(destination);
        destination[10] = (byte)'T';
        int written = 19;
        if (kept > 0)
        {
            value.Slice(19, 1 + kept).CopyTo(destination[written..]);
            written += 1 + kept;
        }

        offset.CopyTo(destination[written..]);
        if (zulu)
        {
            destination[written] = (byte)'Z';
        }

        return length;
    }

    // The days of the month of a FULL-DATE whose digits are checked (proleptic Gregorian, as RFC 3339 section 5.7).
    private static int DaysInMonth(ReadOnlySpan<byte> value)
    {
        int month = (value[5] - '0') * 10 + (value[6] - '0');
        if (month != 2)
        {
            return month is 4 or 6 or 9 or 11 ? 30 : 31;
        }

        int year = ((value[0] - '0') * 1000) + ((value[1] - '0') * 100) + ((value[2] - '0') * 10) + (value[3] - '0');
        return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool Digits(ReadOnlySpan<byte> value, int start, int count)
    {
        for (int i = start; i < start + count; i++)
        {
            if (!IsDigit(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    // The two digits at start, read as a number, lie within [min, max].
    private static bool InRange(ReadOnlySpan<byte> value, int start, int min, int max)
    {
        int number = (value[start] - '0') * 10 + (value[start + 1] - '0');
        return number >= min && number <= max;
    }
}
