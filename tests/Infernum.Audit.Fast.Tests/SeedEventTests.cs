using System;
using System.Collections.Generic;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>Each of the ten events writes exactly the seed's line, under every combination of the switches.</summary>
public sealed class SeedEventTests
{
    private const string RequestId = "req-123";
    private const string ClientIp = "192.168.1.1";
    private const string Key = "sk-inf-abcdefghijklmnop";
    private const string IpField = ",\"client_ip\":\"192.168.1.1\"";
    private const string KeyField = ",\"key_prefix\":\"sk-inf-a\"";

    // Byte-exact infernum-server lines: no seq field.
    private static readonly AuditDeliveryOptions s_seedExact = new() { WriteSequenceNumbers = false };

    // Each event's line after the timestamp, with both optional fields as {ip} and {key}.
    private static readonly Dictionary<string, (Action<AuditLogger> Call, string Line)> s_events = new()
    {
        ["auth_success"] = (
            l => l.AuthSuccess(RequestId, ClientIp, Key, "/v1/chat/completions"),
            ",\"event_type\":\"auth_success\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/v1/chat/completions\",\"success\":true}"),
        ["auth_failure"] = (
            l => l.AuthFailure(RequestId, ClientIp, "invalid_key", "/v1/chat/completions"),
            ",\"event_type\":\"auth_failure\",\"request_id\":\"req-123\"{ip},\"endpoint\":\"/v1/chat/completions\",\"success\":false,\"details\":\"invalid_key\"}"),
        ["auth_expired"] = (
            l => l.AuthExpired(RequestId, ClientIp, Key, "/v1/completions"),
            ",\"event_type\":\"auth_expired\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/v1/completions\",\"success\":false,\"details\":\"API key has expired\"}"),
        ["auth_disabled"] = (
            l => l.AuthDisabled(RequestId, ClientIp, Key, "/v1/embeddings"),
            ",\"event_type\":\"auth_disabled\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/v1/embeddings\",\"success\":false,\"details\":\"API key is disabled\"}"),
        ["scope_violation"] = (
            l => l.ScopeViolation(RequestId, ClientIp, Key, "/api/models/load", "admin"),
            ",\"event_type\":\"scope_violation\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/api/models/load\",\"success\":false,\"details\":\"Required scope: admin\"}"),
        ["rate_limited"] = (
            l => l.RateLimited(RequestId, ClientIp, Key, "/v1/chat/completions"),
            ",\"event_type\":\"rate_limited\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/v1/chat/completions\",\"success\":false,\"details\":\"Request rate limit exceeded\"}"),
        ["model_load"] = (
            l => l.ModelLoad(RequestId, ClientIp, Key, "llama-3-8b", true),
            ",\"event_type\":\"model_load\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/api/models/load\",\"success\":true,\"details\":\"Model: llama-3-8b\"}"),
        ["model_unload"] = (
            l => l.ModelUnload(RequestId, ClientIp, Key, "llama-3-8b", false),
            ",\"event_type\":\"model_unload\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/api/models/unload\",\"success\":false,\"details\":\"Model: llama-3-8b\"}"),
        ["key_created"] = (
            l => l.KeyCreated(RequestId, ClientIp, Key, "sk-inf-new"),
            ",\"event_type\":\"key_created\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/api/keys\",\"success\":true,\"details\":\"Created key: sk-inf-new...\"}"),
        ["key_revoked"] = (
            l => l.KeyRevoked(RequestId, ClientIp, Key, "sk-inf-old"),
            ",\"event_type\":\"key_revoked\",\"request_id\":\"req-123\"{ip}{key},\"endpoint\":\"/api/keys\",\"success\":true,\"details\":\"Revoked key: sk-inf-old...\"}"),
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (string name in s_events.Keys)
        {
            foreach (bool logIp in new[] { true, false })
            {
                foreach (bool logKey in new[] { true, false })
                {
                    yield return new object[] { name, logIp, logKey };
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_the_seed_line(string eventName, bool logClientIp, bool logKeyPrefix)
    {
        var sink = new MemorySink();
        using var logger = new AuditLogger(sink, new AuditOptions { LogClientIp = logClientIp, LogKeyPrefix = logKeyPrefix }, s_seedExact);
        DateTime before = DateTime.UtcNow;

        s_events[eventName].Call(logger);
        logger.Flush();

        DateTime after = DateTime.UtcNow;
        string line = Assert.Single(sink.Lines);
        (DateTime timestamp, string rest) = AuditLine.Split(line);
        string expected = s_events[eventName].Line
            .Replace("{ip}", logClientIp ? IpField : string.Empty, StringComparison.Ordinal)
            .Replace("{key}", logKeyPrefix ? KeyField : string.Empty, StringComparison.Ordinal);
        Assert.Equal(expected, rest);
        Assert.InRange(timestamp, before.AddTicks(-1), after);
    }

    [Theory]
    [MemberData(nameof(SeedEvents.Names), MemberType = typeof(SeedEvents))]
    public void Enabled_false_writes_nothing(string eventName)
    {
        var sink = new MemorySink();
        using var logger = new AuditLogger(sink, new AuditOptions { Enabled = false });

        s_events[eventName].Call(logger);
        logger.Flush();

        Assert.Empty(sink.ToArray());
        Assert.Equal(0, logger.Counters.Offered);
    }

    [Theory]
    [MemberData(nameof(SeedEvents.Names), MemberType = typeof(SeedEvents))]
    public void Null_client_ip_is_left_out(string eventName)
    {
        var sink = new MemorySink();
        using var logger = new AuditLogger(sink, null, s_seedExact);

        SeedEvents.All[eventName](logger, RequestId, null, Key, "/x");
        logger.Flush();

        string line = Assert.Single(sink.Lines);
        Assert.DoesNotContain("client_ip", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Rate_limited_without_key_has_no_key_prefix()
    {
        var sink = new MemorySink();
        using var logger = new AuditLogger(sink, null, s_seedExact);

        logger.RateLimited(RequestId, ClientIp, null, "/v1/chat/completions");
        logger.Flush();

        Assert.Equal(
            ",\"event_type\":\"rate_limited\",\"request_id\":\"req-123\",\"client_ip\":\"192.168.1.1\",\"endpoint\":\"/v1/chat/completions\",\"success\":false,\"details\":\"Request rate limit exceeded\"}",
            AuditLine.WithoutTimestamp(Assert.Single(sink.Lines)));
    }

    [Theory]
    [InlineData("sk-inf-abcdefghijklmnop", 8, "sk-inf-a")]
    [InlineData("short", 8, "short")]
    [InlineData("exactly8", 8, "exactly8")]
    [InlineData("", 8, "")]
    [InlineData("sk-inf-abcdef", 0, "")]
    [InlineData("sk-inf-abcdef", 3, "sk-")]
    [InlineData("ab\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", 4, "ab\u00e9\u00e9")] // multi-byte chars: the seed would cut bytes and panic
    [InlineData("1234567\U0001F511abc", 8, "1234567")] // the pair at 7..8 would be split: left out whole
    [InlineData("123456\U0001F511abc", 8, "123456\U0001F511")]
    public void Key_prefix_takes_chars_never_splitting_a_pair(string key, int length, string expectedPrefix)
    {
        var sink = new MemorySink();
        using var logger = new AuditLogger(sink, new AuditOptions { KeyPrefixLength = length }, s_seedExact);

        logger.AuthSuccess("r", null, key, "/e");
        logger.Flush();

        Assert.Equal(
            ",\"event_type\":\"auth_success\",\"request_id\":\"r\",\"key_prefix\":\"" + expectedPrefix + "\",\"endpoint\":\"/e\",\"success\":true}",
            AuditLine.WithoutTimestamp(Assert.Single(sink.Lines)));
    }

    [Fact]
    public void Options_swap_applies_to_the_next_event()
    {
        var sink = new MemorySink();
        using var logger = new AuditLogger(sink, null, s_seedExact);

        logger.AuthSuccess("r1", ClientIp, Key, "/e");
        logger.Options = logger.Options with { LogClientIp = false };
        logger.AuthSuccess("r2", ClientIp, Key, "/e");
        logger.Options = new AuditOptions { Enabled = false };
        logger.AuthSuccess("r3", ClientIp, Key, "/e");
        logger.Flush();

        string[] lines = sink.Lines;
        Assert.Equal(2, lines.Length);
        Assert.Contains(IpField, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("client_ip", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Null_for_a_required_string_writes_an_empty_string()
    {
        var sink = new MemorySink();
        using var logger = new AuditLogger(sink, null, s_seedExact);

        logger.AuthSuccess(null!, null, null!, null!);
        logger.Flush();

        Assert.Equal(
            ",\"event_type\":\"auth_success\",\"request_id\":\"\",\"endpoint\":\"\",\"success\":true}",
            AuditLine.WithoutTimestamp(Assert.Single(sink.Lines)));
    }

    [Fact]
    public void By_default_each_line_ends_with_a_gap_free_seq()
    {
        var sink = new MemorySink();
        using var logger = new AuditLogger(sink);

        logger.AuthSuccess("r1", ClientIp, Key, "/e");
        logger.AuthFailure("r2", ClientIp, "bad", "/e");
        logger.ModelLoad("r3", null, Key, "m", true);
        logger.Flush();

        string[] lines = sink.Lines;
        Assert.Equal(3, lines.Length);
        Assert.EndsWith(",\"success\":true,\"seq\":1}", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",\"details\":\"bad\",\"seq\":2}", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",\"details\":\"Model: m\",\"seq\":3}", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Events_after_dispose_are_counted_not_thrown()
    {
        var sink = new MemorySink();
        var logger = new AuditLogger(sink);
        logger.AuthSuccess("before", null, Key, "/e");
        logger.Dispose();

        logger.AuthSuccess("after", null, Key, "/e");

        Assert.Single(sink.Lines);
        Assert.True(sink.Disposed);
        Assert.Equal(1, logger.Counters.Dropped);
        Assert.Equal(1, logger.Counters.Written);
    }

    [Fact]
    public void Key_prefix_length_is_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditOptions { KeyPrefixLength = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditOptions { KeyPrefixLength = 257 });
        Assert.Throws<ArgumentNullException>(() => new AuditLogger(null!));
        using var logger = new AuditLogger(new MemorySink());
        Assert.Throws<ArgumentNullException>(() => logger.Options = null!);
    }
}
