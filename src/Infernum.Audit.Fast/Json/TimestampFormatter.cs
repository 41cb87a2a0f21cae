using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Infernum.Audit.Fast.Json;

/// <summary>
/// Formats UTC instants as RFC 3339 with seven fractional digits (<c>2026-11-27T21:55:00.1234567Z</c>).
/// </summary>
/// <remarks>
/// Everything up to the milliseconds changes once a millisecond, so it is formatted then and copied (two stores);
/// only the last four digits, the 100-nanosecond ticks within the millisecond, are computed per call: one division
/// by a constant and two table reads. A new millisecond formats three digits; a new second formats the date and time.
/// Not thread-safe: one instance per producer stage, and one for the writer thread.
/// </remarks>
internal sealed class TimestampFormatter
{
    /// <summary>Bytes written by <see cref="Format"/>.</summary>
    public const int Length = 28;

    private const int SecondsPrefixLength = 20; // "yyyy-MM-ddTHH:mm:ss."

    // Ticks at the start of the second and of the millisecond whose text is cached; the first call always misses.
    private long _secondStart = long.MinValue;
    private long _millisecondStart = long.MinValue;

    // "yyyy-MM-ddTHH:mm:ss.fff" of that millisecond, in UTF-8: sixteen bytes, then eight of which the last is not
    // part of it (overwritten by the digits after it).
    private Vector128<byte> _prefixHead;
    private ulong _prefixTail;

    // The last four bytes of the cached second's text (":ss.").
    private uint _secondTail;

    /// <summary>Writes <paramref name="utcTicks"/> (ticks of a UTC <see cref="DateTime"/>) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Length"/>.</exception>
    public int Format(long utcTicks, Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            ThrowTooShort();
        }

        ulong withinMillisecond = (ulong)(utcTicks - _millisecondStart);
        if (withinMillisecond >= TimeSpan.TicksPerMillisecond)
        {
            withinMillisecond = CacheMillisecond(utcTicks);
        }

        ref byte target = ref MemoryMarshal.GetReference(destination);
        _prefixHead.StoreUnsafe(ref target);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, 16), _prefixTail);
        uint ticks = (uint)withinMillisecond;
        uint high = ticks / 100;
        WritePair(ref Unsafe.Add(ref target, 23), high);
        WritePair(ref Unsafe.Add(ref target, 25), ticks - (high * 100));
        Unsafe.Add(ref target, 27) = (byte)'Z';
        return Length;
    }

    // A new millisecond: its three digits after the cached second (a new second first formats that).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong CacheMillisecond(long utcTicks)
    {
        if ((ulong)(utcTicks - _secondStart) >= TimeSpan.TicksPerSecond)
        {
            CacheSecond(utcTicks);
        }

        long withinSecond = utcTicks - _secondStart;
        uint milliseconds = (uint)(withinSecond / TimeSpan.TicksPerMillisecond);
        _millisecondStart = _secondStart + (milliseconds * TimeSpan.TicksPerMillisecond);

        // Bytes 16..23: the second's last four (":ss."), then "fff" and a placeholder.
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, _secondTail);
        tail[4] = (byte)('0' + (milliseconds / 100));
        WritePair(ref tail[5], milliseconds % 100);
        tail[7] = (byte)'0';
        _prefixTail = BinaryPrimitives.ReadUInt64LittleEndian(tail);
        return (ulong)(utcTicks - _millisecondStart);
    }

    private void CacheSecond(long utcTicks)
    {
        long start = utcTicks - (utcTicks % TimeSpan.TicksPerSecond);
        Span<byte> prefix = stackalloc byte[SecondsPrefixLength];
        FormatPrefix(new DateTime(start, DateTimeKind.Utc), prefix);
        _prefixHead = Vector128.Create((ReadOnlySpan<byte>)prefix);
        _secondTail = BinaryPrimitives.ReadUInt32LittleEndian(prefix.Slice(16));
        _secondStart = start;
    }

    [DoesNotReturn]
    private static void ThrowTooShort() => throw new ArgumentException("The destination is shorter than a timestamp.", "destination");

    // "00".."99", two bytes per value.
    private static ReadOnlySpan<byte> Pairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WritePair(ref byte destination, uint value)
    {
        Debug.Assert(value < 100);
        Unsafe.WriteUnaligned(ref destination, Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref MemoryMarshal.GetReference(Pairs), (nint)(value * 2))));
    }

    private static void FormatPrefix(DateTime value, Span<byte> p)
    {
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
