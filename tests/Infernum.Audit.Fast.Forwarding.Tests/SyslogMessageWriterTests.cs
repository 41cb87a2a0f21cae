using System;
using System.Text;
using System.Text.RegularExpressions;
using Infernum.Audit.Fast.Forwarding.Syslog;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

public sealed class SyslogMessageWriterTests
{
    private const string Line = "{\"timestamp\":\"2026-11-27T21:55:00.1234567Z\",\"event_type\":\"auth_success\",\"request_id\":\"req-1\",\"success\":true,\"seq\":1}";

    // RFC 5424 section 6, HEADER SP STRUCTURED-DATA SP MSG, with the field lengths of section 6.2.
    private static readonly Regex s_rfc5424 = new(
        @"^<(?<pri>[0-9]{1,3})>1 (?<ts>-|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})) (?<host>[!-~]{1,255}) (?<app>[!-~]{1,48}) (?<proc>[!-~]{1,128}) (?<msgid>[!-~]{1,32}) - (?<msg>.*)$",
        RegexOptions.Singleline | RegexOptions.CultureInvariant);

    private static string Frame(SyslogMessageWriter writer, string line)
    {
        byte[] destination = new byte[line.Length * 4 + 1024];
        int length = writer.WriteOctetCountedFrame(Encoding.UTF8.GetBytes(line), destination);
        Assert.True(length > 0);
        return Encoding.UTF8.GetString(destination, 0, length);
    }

    private static Match Message(string frame)
    {
        int space = frame.IndexOf(' ', StringComparison.Ordinal);
        int count = int.Parse(frame.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture);
        string message = frame[(space + 1)..];
        // RFC 6587 3.4.1: MSG-LEN is the octet count of the SYSLOG-MSG that follows.
        Assert.Equal(Encoding.UTF8.GetByteCount(message), count);
        Match match = s_rfc5424.Match(message);
        Assert.True(match.Success, "not RFC 5424: " + message);
        return match;
    }

    [Fact]
    public void An_audit_line_becomes_the_MSG_with_its_timestamp_and_event_type_in_the_header()
    {
        SyslogMessageWriter writer = new(13, 6, "web-1", "infernum-audit", "4242");
        string frame = Frame(writer, Line);
        string expectedMessage = "<110>1 2026-11-27T21:55:00.123456Z web-1 infernum-audit 4242 auth_success - " + Line;
        Assert.Equal(expectedMessage.Length + " " + expectedMessage, frame);
        Match match = Message(frame);
        Assert.Equal(Line, match.Groups["msg"].Value);
    }

    [Theory]
    [InlineData("2026-11-27T21:55:00.1234567Z", "2026-11-27T21:55:00.123456Z")] // seven digits: RFC 5424 allows six
    [InlineData("2026-11-27T21:55:00.123456789+02:00", "2026-11-27T21:55:00.123456+02:00")]
    [InlineData("2026-11-27T21:55:00Z", "2026-11-27T21:55:00Z")]
    [InlineData("2026-11-27t21:55:00.5z", "2026-11-27T21:55:00.5Z")] // RFC 3339 lower case, RFC 5424 upper case
    [InlineData("2026-11-27T21:55:00.12-05:30", "2026-11-27T21:55:00.12-05:30")]
    [InlineData("2026-11-27 21:55:00Z", "-")]
    [InlineData("2026-13-27T21:55:00Z", "-")]
    [InlineData("2026-11-27T24:00:00Z", "-")]
    [InlineData("2026-12-31T23:59:60Z", "-")] // RFC 5424 6.2.3: no leap second
    [InlineData("2026-02-31T10:00:00Z", "-")] // no such date
    [InlineData("2026-02-29T10:00:00Z", "-")]
    [InlineData("2100-02-29T10:00:00Z", "-")]
    [InlineData("2026-04-31T10:00:00Z", "-")]
    [InlineData("2028-02-29T10:00:00Z", "2028-02-29T10:00:00Z")]
    [InlineData("2000-02-29T10:00:00Z", "2000-02-29T10:00:00Z")]
    [InlineData("2026-01-31T23:59:59.999999Z", "2026-01-31T23:59:59.999999Z")]
    [InlineData("2026-11-27T21:55:00.Z", "-")]
    [InlineData("2026-11-27T21:55:00", "-")] // no offset: RFC 5424 requires one
    [InlineData("2026-11-27T21:55:00+0200", "-")]
    [InlineData("", "-")]
    public void The_timestamp_is_cut_to_RFC_5424_or_replaced_by_the_NILVALUE(string timestamp, string expected)
    {
        SyslogMessageWriter writer = new(13, 6, "h", "a", "1");
        Match match = Message(Frame(writer, "{\"timestamp\":\"" + timestamp + "\",\"event_type\":\"x\",\"seq\":1}"));
        Assert.Equal(expected, match.Groups["ts"].Value);
    }

    [Fact]
    public void A_line_without_fields_still_gives_a_valid_message()
    {
        SyslogMessageWriter writer = new(13, 6, "h", "a", "1");
        Match match = Message(Frame(writer, "not json at all"));
        Assert.Equal("-", match.Groups["ts"].Value);
        Assert.Equal("-", match.Groups["msgid"].Value);
        Assert.Equal("not json at all", match.Groups["msg"].Value);
    }

    [Theory]
    [InlineData("auth_success", "auth_success")]
    [InlineData("audit_checkpoint", "audit_checkpoint")] // the evidence layer's signed checkpoints travel like any line
    [InlineData("audit_dropped", "audit_dropped")]
    [InlineData("an_event_type_name_longer_than_thirty_two_octets", "an_event_type_name_longer_than_t")] // MSGID is 1*32
    [InlineData("with space", "with_space")]
    [InlineData("caf\u00e9", "caf__")] // two UTF-8 octets, neither PRINTUSASCII
    [InlineData("esc\\\"aped", "esc\\\"aped")]
    [InlineData("", "-")]
    public void The_event_type_becomes_a_MSGID_of_at_most_32_printable_ASCII_octets(string eventType, string expected)
    {
        SyslogMessageWriter writer = new(13, 6, "h", "a", "1");
        Match match = Message(Frame(writer, "{\"timestamp\":\"2026-11-27T21:55:00Z\",\"event_type\":\"" + eventType + "\",\"seq\":1}"));
        Assert.Equal(expected, match.Groups["msgid"].Value);
    }

    [Fact]
    public void Configured_header_fields_are_made_printable_ASCII_and_cut_to_their_RFC_lengths()
    {
        SyslogMessageWriter writer = new(23, 7, "host name\u00e9", new string('a', 60), "");
        Match match = Message(Frame(writer, Line));
        Assert.Equal("191", match.Groups["pri"].Value);
        Assert.Equal("host_name_", match.Groups["host"].Value);
        Assert.Equal(new string('a', 48), match.Groups["app"].Value);
        Assert.Equal("-", match.Groups["proc"].Value);
    }

    [Fact]
    public void Multi_byte_UTF_8_in_the_line_is_counted_in_octets()
    {
        SyslogMessageWriter writer = new(13, 6, "h", "a", "1");
        string line = "{\"timestamp\":\"2026-11-27T21:55:00Z\",\"event_type\":\"x\",\"details\":\"\u00e9\u4e2d\ud83d\ude00\",\"seq\":1}";
        Match match = Message(Frame(writer, line));
        Assert.Equal(line, match.Groups["msg"].Value);
    }

    [Fact]
    public void A_frame_that_does_not_fit_is_not_written()
    {
        SyslogMessageWriter writer = new(13, 6, "h", "a", "1");
        byte[] line = Encoding.UTF8.GetBytes(Line);
        int needed = writer.WriteOctetCountedFrame(line, new byte[4096]);
        Assert.Equal(-1, writer.WriteOctetCountedFrame(line, new byte[needed - 1]));
        Assert.Equal(needed, writer.WriteOctetCountedFrame(line, new byte[needed]));
    }
}
