using System;
using Infernum.Audit.Fast.Pipeline;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Runtime;

/// <summary>The coarse clock follows the system clock, including when it is set back.</summary>
public sealed class CoarseClockTests
{
    private static readonly long T0 = new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public void A_system_clock_set_back_an_hour_is_followed_at_the_next_calibration()
    {
        var clock = new CoarseClock();
        Assert.Equal(T0, clock.Calibrate(1_000, T0));
        Assert.Equal(T0 + (500 * TimeSpan.TicksPerMillisecond), clock.At(1_500));

        long back = T0 + TimeSpan.TicksPerSecond - TimeSpan.TicksPerHour;
        Assert.Equal(back, clock.Calibrate(2_000, back));
        Assert.Equal(back + (10 * TimeSpan.TicksPerMillisecond), clock.At(2_010));
    }

    [Fact]
    public void A_system_clock_set_back_by_more_than_the_jitter_is_followed_too()
    {
        var clock = new CoarseClock();
        clock.Calibrate(1_000, T0);
        long back = clock.At(1_999) - CoarseClock.JitterTicks - 1;
        Assert.Equal(back, clock.Calibrate(2_000, back));
    }

    [Fact]
    public void Tick_count_jitter_does_not_take_a_thread_s_timestamps_backwards()
    {
        var clock = new CoarseClock();
        clock.Calibrate(1_000, T0);
        long returned = clock.At(1_999);

        // The tick count ran 5 ms ahead of the system clock over the second.
        long behind = T0 + TimeSpan.TicksPerSecond - (5 * TimeSpan.TicksPerMillisecond);
        Assert.Equal(returned, clock.Calibrate(2_000, behind));
    }

    [Fact]
    public void A_system_clock_set_forward_is_followed()
    {
        var clock = new CoarseClock();
        clock.Calibrate(1_000, T0);
        long ahead = T0 + TimeSpan.TicksPerHour;
        Assert.Equal(ahead, clock.Calibrate(2_000, ahead));
    }

    [Fact]
    public void The_first_read_calibrates_on_the_system_clock()
    {
        var clock = new CoarseClock();
        long before = DateTime.UtcNow.Ticks;
        long now = clock.UtcTicks();
        Assert.InRange(now, before, DateTime.UtcNow.Ticks);
    }
}
