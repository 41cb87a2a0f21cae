using System.Globalization;
using System.Text;
using Infernum.Audit.Fast.Pipeline;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

public sealed class SequenceCounterTests
{
    // Starting points whose digits are all nines (the next number is one digit longer), and ones just below.
    [Theory]
    [InlineData(1L)]
    [InlineData(9L)]
    [InlineData(98L)]
    [InlineData(999_999L)]
    [InlineData(9_999_999_999L)]
    [InlineData(99_999_999_999_999L)]
    [InlineData(999_999_999_999_999_998L)]
    public void Each_number_is_written_as_its_decimal_digits_and_then_advanced(long first)
    {
        var counter = new SequenceCounter(first);
        byte[] buffer = new byte[20];
        for (long expected = first; expected < first + 3; expected++)
        {
            Assert.Equal(expected, counter.Value);
            int written = counter.WriteAndAdvance(buffer);
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), Encoding.ASCII.GetString(buffer, 0, written));
        }
    }

    [Fact]
    public void Skipping_a_range_continues_after_it_with_the_right_digits()
    {
        var counter = new SequenceCounter(7);
        Assert.Equal(7, counter.Take());
        Assert.Equal(8, counter.Skip(9_999_999_991)); // 8 ..= 9_999_999_998
        byte[] buffer = new byte[20];

        int first = counter.WriteAndAdvance(buffer);
        Assert.Equal("9999999999", Encoding.ASCII.GetString(buffer, 0, first));
        int second = counter.WriteAndAdvance(buffer);
        Assert.Equal("10000000000", Encoding.ASCII.GetString(buffer, 0, second));
        Assert.Equal(10_000_000_001, counter.Value);
    }
}
