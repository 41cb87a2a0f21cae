using System;
using System.Text;
using Infernum.Audit.Fast.Json;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

public sealed class TimestampFormatterTests
{
    [Theory]
    [InlineData("2026-11-27T21:55:00.0000000Z")]
    [InlineData("2026-11-27T21:55:00.1234567Z")]
    [InlineData("1999-12-31T23:59:59.9999999Z")]
    [InlineData("2000-01-01T00:00:00.0000001Z")]
    [InlineData("2024-02-29T12:00:00.5000000Z")]
    public void Formats_rfc3339_with_seven_digits(string expected)
    {
        var formatter = new TimestampFormatter();
        DateTime value = DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        byte[] buffer = new byte[TimestampFormatter.Length];

        int written = formatter.Format(value.Ticks, buffer);

        Assert.Equal(TimestampFormatter.Length, written);
        Assert.Equal(expected, Encoding.ASCII.GetString(buffer));
        Assert.Equal(value.ToString("O", System.Globalization.CultureInfo.InvariantCulture), Encoding.ASCII.GetString(buffer));
    }

    [Fact]
    public void The_cached_second_follows_the_clock_across_boundaries()
    {
        var formatter = new TimestampFormatter();
        byte[] buffer = new byte[TimestampFormatter.Length];
        var start = new DateTime(2026, 12, 31, 23, 59, 58, DateTimeKind.Utc);
        for (long step = 0; step < 3 * TimeSpan.TicksPerSecond; step += 1_234_567)
        {
            DateTime value = start.AddTicks(step);
            formatter.Format(value.Ticks, buffer);
            Assert.Equal(value.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture), Encoding.ASCII.GetString(buffer));
        }
    }

    [Fact]
    public void Instants_within_a_millisecond_across_milliseconds_and_going_back_are_each_formatted_exactly()
    {
        var formatter = new TimestampFormatter();
        byte[] buffer = new byte[TimestampFormatter.Length];
        var start = new DateTime(2027, 12, 31, 23, 59, 59, 998, DateTimeKind.Utc);
        long ticks = start.Ticks;

        // Small steps (several within one millisecond, then over its edge), a jump back within the second and one
        // back into the previous second, around a year's end.
        long[] steps = [1, 3_333, 3_333, 3_333, 1, 9_999, 10_000, -10_001, -2, 7_777, -15_000, 1, 40_000, 12_345, -25_000];
        for (int round = 0; round < 3; round++)
        {
            foreach (long step in steps)
            {
                ticks += step;
                formatter.Format(ticks, buffer);
                string expected = new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(expected, Encoding.ASCII.GetString(buffer));
            }
        }
    }
}
