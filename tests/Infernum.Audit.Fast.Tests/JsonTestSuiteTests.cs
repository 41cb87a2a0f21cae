using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>
/// Every string of JSONTestSuite's y_string_* and i_string_* cases (TestData/jsontestsuite, copied from
/// shared/testdata) logged as every string field of every seed event: each line parses and gives the string back.
/// </summary>
public sealed class JsonTestSuiteTests
{
    private static readonly string s_folder = Path.Combine(AppContext.BaseDirectory, "TestData", "jsontestsuite");

    public static IEnumerable<object[]> Files()
    {
        string[] files = Directory.GetFiles(s_folder, "*_string_*.json");
        Assert.True(files.Length > 50, "JSONTestSuite cases missing from " + s_folder);
        return files.Select(f => new object[] { Path.GetFileName(f) }).OrderBy(f => (string)f[0], StringComparer.Ordinal);
    }

    // (event, field read back, expected value from the logged string) for every string a seed event writes.
    private static readonly (string Field, Action<AuditLogger, string> Log, Func<string, string> Expected)[] s_fields =
    {
        ("request_id", (l, s) => l.AuthSuccess(s, "ip", "key", "/e"), s => s),
        ("client_ip", (l, s) => l.AuthSuccess("r", s, "key", "/e"), s => s),
        ("key_prefix", (l, s) => l.AuthSuccess("r", "ip", s, "/e"), s => SeedEvents.Prefix(s, 8)),
        ("endpoint", (l, s) => l.AuthSuccess("r", "ip", "key", s), s => s),
        ("details", (l, s) => l.AuthFailure("r", "ip", s, "/e"), s => s),
        ("endpoint", (l, s) => l.AuthExpired("r", "ip", "key", s), s => s),
        ("endpoint", (l, s) => l.AuthDisabled("r", "ip", "key", s), s => s),
        ("details", (l, s) => l.ScopeViolation("r", "ip", "key", "/e", s), s => "Required scope: " + s),
        ("key_prefix", (l, s) => l.RateLimited("r", "ip", s, "/e"), s => SeedEvents.Prefix(s, 8)),
        ("details", (l, s) => l.ModelLoad("r", "ip", "key", s, true), s => "Model: " + s),
        ("details", (l, s) => l.ModelUnload("r", "ip", "key", s, true), s => "Model: " + s),
        ("details", (l, s) => l.KeyCreated("r", "ip", "key", s), s => "Created key: " + s + "..."),
        ("details", (l, s) => l.KeyRevoked("r", "ip", "key", s), s => "Revoked key: " + s + "..."),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_string_round_trips_through_every_string_field(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(s_folder, file));
        string value = DecodeLeniently(bytes);
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink))
        {
            foreach ((string _, Action<AuditLogger, string> log, Func<string, string> _) in s_fields)
            {
                log(logger, value);
            }
        }

        byte[] output = sink.ToArray();
        Assert.True(System.Text.Unicode.Utf8.IsValid(output), "Output is not valid UTF-8");
        for (int i = 0; i < output.Length; i++)
        {
            Assert.False(output[i] < 0x20 && output[i] != (byte)'\n', $"Raw byte 0x{output[i]:X2} at {i}");
        }

        string[] lines = sink.Lines;
        Assert.Equal(s_fields.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using JsonDocument document = JsonDocument.Parse(lines[i]);
            string expected = SeedEvents.Sanitize(s_fields[i].Expected(value));
            Assert.Equal(expected, document.RootElement.GetProperty(s_fields[i].Field).GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Raw_utf8_content_is_validated(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(s_folder, file));
        int open = Array.IndexOf(bytes, (byte)'"');
        int close = Array.LastIndexOf(bytes, (byte)'"');
        if (open < 0 || close <= open || bytes.AsSpan(open + 1, close - open - 1).Contains((byte)'\\'))
        {
            return; // UTF-16 files and escaped content are covered by the decoded-string test above
        }

        byte[] raw = bytes[(open + 1)..close];
        string escaped = JsonEscaperTests.Escape(raw);
        string parsed = JsonSerializer.Deserialize<string>("\"" + escaped + "\"")!;
        Assert.Equal(Encoding.UTF8.GetString(raw), parsed);
    }

    /// <summary>
    /// Decodes the one string in <c>["…"]</c> the way a lenient parser would: \u escapes may give lone
    /// surrogates, invalid UTF-8 becomes U+FFFD, a UTF-16 file is read as UTF-16.
    /// </summary>
    private static string DecodeLeniently(byte[] bytes)
    {
        string text = bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE
            ? Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2)
            : Encoding.UTF8.GetString(bytes);
        int start = text.IndexOf('"', StringComparison.Ordinal) + 1;
        int end = text.LastIndexOf('"');
        var builder = new StringBuilder();
        for (int i = start; i < end; i++)
        {
            char c = text[i];
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            char e = text[++i];
            switch (e)
            {
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    builder.Append((char)int.Parse(text.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: builder.Append(e); break;
            }
        }

        return builder.ToString();
    }
}
