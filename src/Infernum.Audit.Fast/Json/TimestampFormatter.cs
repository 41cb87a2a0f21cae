using System;
using System.Diagnostics;

namespace Infernum.Audit.Fast.Json;

/// <summary>
/// Formats UTC instants as RFC 3339 with seven fractional digits (<c>2026-11-27T21:55:00.1234567Z</c>).
/// </summary>
/// <remarks>
/// Everything up to the seconds changes once a second, so it is formatted once and copied;
/// only the seven fractional digits are computed per call. Not thread-safe: one instance per writer lock.
/// </remarks>
internal sealed class TimestampFormatter
{
    /// <summary>Bytes written by <see cref="Format"/>.</summary>
    public const int Length = 28;

    private const int SecondsPrefixLength = 20; // "yyyy-MM-ddTHH:mm:ss."

    // The second whose prefix is in _secondsPrefix; -1 before the first call.
    private long _cachedSecond = -1;

    // "yyyy-MM-ddTHH:mm:ss." of _cachedSecond, in UTF-8.
    private readonly byte[] _secondsPrefix = new byte[SecondsPrefixLength];

    /// <summary>Writes <paramref name="utcTicks"/> (ticks of a UTC <see cref="DateTime"/>) into <paramref name="destination"/>.</summary>
    public int Format(long utcTicks, Span<byte> destination)
    {
        Debug.Assert(destination.Length >= Length);
        long second = utcTicks / TimeSpan.TicksPerSecond;
        if (second != _cachedSecond)
        {
            FormatPrefix(new DateTime(second * TimeSpan.TicksPerSecond, DateTimeKind.Utc));
            _cachedSecond = second;
        }

        _secondsPrefix.CopyTo(destination);
        uint fraction = (uint)(utcTicks - (second * TimeSpan.TicksPerSecond));
        destination[27] = (byte)'Z';
        for (int i = 26; i >= SecondsPrefixLength; i--)
        {
            uint next = fraction / 10;
            destination[i] = (byte)('0' + (fraction - (next * 10)));
            fraction = next;
        }

        return Length;
    }

    private void FormatPrefix(DateTime value)
    {
        Span<byte> p = _secondsPrefix;
        WriteDigits(p.Slice(0, 4), value.Year);
        p[4] = (byte)'-';
        WriteDigits(p.Slice(5, 2), value.Month);
        p[7] = (byte)'-';
        WriteDigits(p.Slice(8, 2), value.Day);
        p[10] = (byte)'T';
        WriteDigits(p.Slice(11, 2), value.Hour);
        p[13] = (byte)':';
        WriteDigits(p.Slice(14, 2), value.Minute);
        p[16] = (byte)':';
        WriteDigits(p.Slice(17, 2), value.Second);
        p[19] = (byte)'.';
    }

    private static void WriteDigits(Span<byte> destination, int value)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
