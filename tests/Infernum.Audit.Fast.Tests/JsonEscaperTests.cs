using System;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Json;
using Infernum.Audit.Fast.Json;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

public sealed class JsonEscaperTests
{
    [Theory]
    [InlineData("plain ascii 123", "plain ascii 123")]
    [InlineData("\"", "\\\"")]
    [InlineData("\\", "\\\\")]
    [InlineData("\n\r\t\b\f", "\\n\\r\\t\\b\\f")]
    [InlineData("\u0000\u0001\u001f", "\\u0000\\u0001\\u001f")]
    [InlineData("\u007f\u0080\u009f", "\\u007f\\u0080\\u009f")]
    [InlineData("\u00a0\u00e9", "\u00a0\u00e9")]
    [InlineData("\u2028\u2029", "\\u2028\\u2029")]
    [InlineData("\u061c\u200e\u200f", "\\u061c\\u200e\\u200f")]
    [InlineData("\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e")]
    [InlineData("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069")]
    [InlineData("\u2027\u202f\u2065\u206a", "\u2027\u202f\u2065\u206a")]
    [InlineData("\U0001F511", "\U0001F511")]
    [InlineData("</script>", "</script>")]
    public void Escapes_exactly(string input, string expected)
    {
        Assert.Equal(expected, Escape(input));
        Assert.Equal(expected, Escape(Encoding.UTF8.GetBytes(SeedSafe(input))));
    }

    [Fact]
    public void Lone_and_reversed_surrogates_become_the_replacement_character()
    {
        // Built in code: xunit's test-case serialization would alter lone surrogates in attribute data.
        Assert.Equal("a\uFFFDb", Escape("a" + '\ud800' + "b"));
        Assert.Equal("\uFFFD\uFFFD", Escape(new string(new[] { '\udc00', '\ud800' })));
        Assert.Equal("x\uFFFD", Escape("x" + '\ud83d'));
        Assert.Equal("\uFFFD\\n", Escape('\udfff' + "\n"));
    }

    [Fact]
    public void Long_ascii_runs_take_the_vector_path_and_stop_at_each_special()
    {
        // Specials at every offset around vector widths (16, 32, 64 chars) must be found.
        for (int length = 1; length < 140; length++)
        {
            for (int at = 0; at < length; at += 7)
            {
                char[] chars = new string('a', length).ToCharArray();
                chars[at] = '"';
                string input = new(chars);
                string expected = input.Replace("\"", "\\\"", StringComparison.Ordinal);
                Assert.Equal(expected, Escape(input));
                Assert.Equal(expected, Escape(Encoding.UTF8.GetBytes(input)));
            }
        }
    }

    [Fact]
    public void The_inline_short_path_writes_what_the_full_escaper_writes_for_every_length_and_offset()
    {
        // Values of 8 to 32 chars are checked in two overlapping halves: a special in either half, or only in the
        // overlap, must send the value to the full escaper. No byte is written past the value's own length.
        string[] specials = ["\"", "\\", "\n", "\u007f", "\u00e9", "\u2028", "\ud800", "\U0001F511"];
        for (int length = 0; length <= 40; length++)
        {
            Assert.Equal(Escape(new string('x', length)), EscapeShort(new string('x', length)));
            foreach (string special in specials)
            {
                for (int at = 0; at + special.Length <= length; at++)
                {
                    string input = new string('x', at) + special + new string('y', length - at - special.Length);
                    Assert.Equal(Escape(input), EscapeShort(input));
                }
            }
        }
    }

    [Fact]
    public void The_vector_checks_send_every_utf16_code_unit_that_needs_it_to_the_full_escaper_from_any_lane()
    {
        // The vector paths narrow chars to bytes with saturation and check the bytes. A char whose low byte alone
        // would pass (U+0141, U+FF22, U+8041) must leave them exactly as a control char or a quote does; the
        // single-char escape (scalar, below eight chars) is the reference.
        var single = new string[0x10000];
        for (int c = 0; c <= 0xFFFF; c++)
        {
            single[c] = Escape(((char)c).ToString());
        }

        foreach (int length in new[] { 8, 12, 16, 24, 32, 48 })
        {
            foreach (int at in new[] { 0, 7, length - 1 })
            {
                string before = new('x', at), after = new('y', length - at - 1);
                for (int c = 0; c <= 0xFFFF; c++)
                {
                    string input = before + (char)c + after;
                    string expected = before + single[c] + after;
                    Assert.Equal(expected, Escape(input));
                    if (length <= 32)
                    {
                        Assert.Equal(expected, EscapeShort(input));
                    }
                }
            }
        }
    }

    [Fact]
    public void Both_narrowing_paths_keep_safe_ascii_exact_and_turn_every_other_code_unit_into_a_flagged_byte()
    {
        // The SSE2 pack runs on this machine; the portable Min-and-Narrow is what Arm64 runs. Every code unit, in
        // every lane of either half, must come out as itself if it is safe printable ASCII, else flagged.
        for (int c = 0; c <= 0xFFFF; c++)
        {
            bool safe = c is >= 0x20 and <= 0x7E && c != '"' && c != '\\';
            for (int lane = 0; lane < 16; lane += 5)
            {
                var chars = new ushort[16];
                Array.Fill(chars, (ushort)'a');
                chars[lane] = (ushort)c;
                Vector128<ushort> first = Vector128.Create(chars.AsSpan(0, 8));
                Vector128<ushort> second = Vector128.Create(chars.AsSpan(8, 8));
                foreach (Vector128<byte> bytes in new[] { JsonEscaper.NarrowSaturated(first, second), JsonEscaper.NarrowSaturatedPortable(first, second) })
                {
                    Vector128<byte> flagged = JsonEscaper.UnsafeBytes(bytes);
                    for (int i = 0; i < 16; i++)
                    {
                        bool expectFlag = i == lane && !safe;
                        Assert.Equal(expectFlag ? (byte)0xFF : (byte)0, flagged.GetElement(i));
                        if (i != lane || safe)
                        {
                            Assert.Equal((byte)chars[i], bytes.GetElement(i));
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xC3 }, "\uFFFD")]
    [InlineData(new byte[] { 0xFF, 0x41 }, "\uFFFDA")]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "\uFFFD\uFFFD\uFFFD")] // encoded surrogate
    [InlineData(new byte[] { 0xC0, 0xAF }, "\uFFFD\uFFFD")] // overlong '/'
    [InlineData(new byte[] { 0xE2, 0x80, 0xA8 }, "\\u2028")]
    [InlineData(new byte[] { 0xC2, 0x85 }, "\\u0085")]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x94, 0x91 }, "\U0001F511")]
    public void Utf8_input_is_validated(byte[] input, string expected)
    {
        Assert.Equal(expected, Escape(input));
        Assert.Equal(Encoding.UTF8.GetString(input), Roundtrip(Escape(input)));
    }

    [Fact]
    public void Every_utf16_code_unit_round_trips_through_a_json_parser()
    {
        for (int c = 0; c <= 0xFFFF; c++)
        {
            string input = "a" + (char)c + "z";
            string escaped = Escape(input);
            foreach (char written in escaped)
            {
                Assert.False(written < 0x20, $"Raw control char for U+{c:X4}");
            }

            string expected = char.IsSurrogate((char)c) ? "a\uFFFDz" : input;
            Assert.Equal(expected, Roundtrip(escaped));
        }
    }

    private static string SeedSafe(string input)
    {
        // UTF-8 cannot carry lone surrogates: encode what the UTF-16 path writes for them.
        var builder = new StringBuilder();
        for (int i = 0; i < input.Length; i++)
        {
            char c = input[i];
            if (char.IsHighSurrogate(c) && i + 1 < input.Length && char.IsLowSurrogate(input[i + 1]))
            {
                builder.Append(c).Append(input[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    private static string Roundtrip(string escaped)
        => JsonSerializer.Deserialize<string>("\"" + escaped + "\"")!;

    internal static string Escape(string input)
    {
        byte[] buffer = new byte[(input.Length * JsonEscaper.MaxExpansion) + 1];
        int written = JsonEscaper.Escape(input.AsSpan(), buffer);
        return Encoding.UTF8.GetString(buffer, 0, written);
    }

    private static string EscapeShort(string input)
    {
        // Filled with a marker: the bytes after the written ones must be untouched.
        byte[] buffer = new byte[(input.Length * JsonEscaper.MaxExpansion) + 1];
        buffer.AsSpan().Fill((byte)'#');
        int written = JsonEscaper.EscapeShort(input.AsSpan(), buffer);
        Assert.All(buffer[written..], b => Assert.Equal((byte)'#', b));
        return Encoding.UTF8.GetString(buffer, 0, written);
    }

    internal static string Escape(byte[] input)
    {
        byte[] buffer = new byte[(input.Length * JsonEscaper.MaxExpansion) + 1];
        int written = JsonEscaper.Escape(input.AsSpan(), buffer);
        Assert.True(System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, written)));
        return Encoding.UTF8.GetString(buffer, 0, written);
    }
}
