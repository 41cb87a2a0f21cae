using System;
using System.Runtime.CompilerServices;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// One thread's <see cref="AuditClock.Coarse"/> clock: the system clock read at most once a second, advanced in
/// between by <see cref="Environment.TickCount64"/>. Not thread-safe: each producer stage holds its own.
/// </summary>
/// <remarks>
/// At each calibration the clock follows the system clock, with one exception: when the system clock reads less
/// than the clock has already returned by at most <see cref="JitterTicks"/> (the tick count ran a little ahead of
/// it), it keeps the value it returned, so that timestamps on a thread do not go backwards by tick-count jitter.
/// A larger difference is the system clock being set back: the clock re-anchors on it at once, as the system clock
/// mode would, instead of staying ahead of it for good.
/// </remarks>
internal struct CoarseClock
{
    /// <summary>How far behind what the clock returned the system clock may read and count as jitter: 20 ms.</summary>
    public const long JitterTicks = 20 * TimeSpan.TicksPerMillisecond;

    /// <summary>Milliseconds between two reads of the system clock.</summary>
    public const long CalibrationMilliseconds = 1000;

    // The tick count and the UTC ticks at the last calibration; before the first, a tick so far back that the first
    // call calibrates, and 0.
    private long _calibratedTick;
    private long _calibratedUtcTicks;

    public CoarseClock() => _calibratedTick = long.MinValue / 2;

    /// <summary>UTC ticks now, to the tick count's resolution.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long UtcTicks()
    {
        long tick = Environment.TickCount64;
        long elapsed = tick - _calibratedTick;
        return (ulong)elapsed < CalibrationMilliseconds
            ? _calibratedUtcTicks + (elapsed * TimeSpan.TicksPerMillisecond)
            : Calibrate(tick, DateTime.UtcNow.Ticks);
    }

    /// <summary>Re-anchors on <paramref name="utcNow"/>, read at tick count <paramref name="tick"/>; returns the time.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal long Calibrate(long tick, long utcNow)
    {
        long anchor = utcNow;
        if (_calibratedUtcTicks != 0)
        {
            // The largest value returned since the last calibration.
            long returned = _calibratedUtcTicks + (Math.Clamp(tick - _calibratedTick, 0, CalibrationMilliseconds - 1) * TimeSpan.TicksPerMillisecond);
            if (utcNow < returned && returned - utcNow <= JitterTicks)
            {
                anchor = returned;
            }
        }

        _calibratedUtcTicks = anchor;
        _calibratedTick = tick;
        return anchor;
    }

    /// <summary>The time at tick count <paramref name="tick"/> without a new calibration (for tests): what a call then returns.</summary>
    internal readonly long At(long tick) => _calibratedUtcTicks + ((tick - _calibratedTick) * TimeSpan.TicksPerMillisecond);
}
