using System;
using System.Collections.Generic;
using System.Net;
using System.Text;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>User events of every supported type write exactly the expected line, and allocate nothing.</summary>
[Collection(AllocationCollection.Name)]
public sealed class GeneratedEventTests
{
    private static readonly AuditDeliveryOptions s_noSeq = new() { WriteSequenceNumbers = false };
    private static readonly Guid s_guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly DateTime s_when = new(2026, 11, 27, 21, 55, 0, DateTimeKind.Utc);
    private static readonly IPAddress s_peer = IPAddress.Parse("2001:db8::1");
    private static readonly IPAddress s_v4Client = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress s_v4Peer = IPAddress.Parse("192.168.1.20");
    private static readonly IPAddress s_longestAddress = new(IPAddress.Parse("::ffff:255.255.255.255").GetAddressBytes(), uint.MaxValue);
    private static readonly IPAddress s_fullAddress = new(IPAddress.Parse("fe80:1234:5678:9abc:def0:1234:5678:9abc").GetAddressBytes(), uint.MaxValue);
    private static readonly Version s_version = new(1, 2, 3);
    private static readonly byte[] s_redactionKey = Encoding.UTF8.GetBytes("0123456789abcdef-test-key");

    /// <summary>Each event: how to call it, and its exact line after the timestamp.</summary>
    public static readonly Dictionary<string, (Action<AuditLogger> Call, string Line)> Events = new()
    {
        ["api_request"] = (
            l => TestEvents.ApiRequest(l, "r", "10.0.0.1", "sk-inf-abcdefghijkl"),
            ",\"event_type\":\"api_request\",\"request_id\":\"r\",\"client_ip\":\"10.0.0.1\",\"key_prefix\":\"sk-inf-a\",\"endpoint\":\"/v1/chat/completions\",\"success\":true}"),
        ["token_refreshed"] = (
            l => TestEvents.TokenRefreshed(l, "r", null, "user \"42\""),
            ",\"event_type\":\"token_refreshed\",\"request_id\":\"r\",\"endpoint\":\"/api/tokens\",\"success\":true,\"details\":\"Refreshed for user \\\"42\\\"\"}"),
        ["quota_exceeded"] = (
            l => TestEvents.QuotaExceeded(l, "r", 1_500, 1_000L, ModelTier.ProTier),
            ",\"event_type\":\"quota_exceeded\",\"request_id\":\"r\",\"endpoint\":\"/v1/chat/completions\",\"success\":false,\"details\":\"Used 1500 of 1000 tokens\",\"tier\":\"pro_tier\"}"),
        ["inference_completed"] = (
            l => TestEvents.InferenceCompleted(l, "r", 512, 4_096L, s_guid, 12.5, true, ModelTier.EnterpriseGold),
            ",\"event_type\":\"inference_completed\",\"request_id\":\"r\",\"endpoint\":\"/v1/chat/completions\",\"success\":true,\"prompt_tokens\":512,\"total_tokens\":4096,\"session_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"latency_ms\":12.5,\"cached\":true,\"tier\":\"enterprise_gold\"}"),
        ["all_integers"] = (
            l => TestEvents.AllIntegers(l, "r", sbyte.MinValue, byte.MaxValue, short.MinValue, ushort.MaxValue, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue),
            ",\"event_type\":\"all_integers\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"i8\":-128,\"u8\":255,\"i16\":-32768,\"u16\":65535,\"i32\":-2147483648,\"u32\":4294967295,\"i64\":-9223372036854775808,\"u64\":18446744073709551615}"),
        ["floating_point"] = (
            l => TestEvents.FloatingPoint(l, "r", float.NaN, double.MaxValue, -79228162514264337593543950335m),
            ",\"event_type\":\"floating_point\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"single\":null,\"ratio\":1.7976931348623157E+308,\"price\":-79228162514264337593543950335}"),
        ["times"] = (
            l => TestEvents.Times(l, "r", s_when, new DateTimeOffset(2026, 11, 27, 22, 55, 0, TimeSpan.FromHours(1)), new TimeSpan(1, 2, 3, 4, 500), s_guid),
            ",\"event_type\":\"times\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"at\":\"2026-11-27T21:55:00.0000000Z\",\"local_at\":\"2026-11-27T22:55:00.0000000+01:00\",\"elapsed\":\"1.02:03:04.5000000\",\"trace_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\"}"),
        ["texts"] = (
            l => TestEvents.Texts(l, "r", "a\"b".AsSpan(), "\u00e9\n"u8, '\u2028'),
            ",\"event_type\":\"texts\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"chars\":\"a\\\"b\",\"utf8\":\"\u00e9\\n\",\"grade\":\"\\u2028\"}"),
        ["network"] = (
            l => TestEvents.Network(l, "r", s_peer, null, s_version),
            ",\"event_type\":\"network\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"peer\":\"2001:db8::1\",\"client_version\":\"1.2.3\"}"),
        ["client_address_v4"] = (
            l => TestEvents.ClientAddress(l, "r", s_v4Client, s_v4Peer),
            ",\"event_type\":\"client_address\",\"request_id\":\"r\",\"client_ip\":\"10.0.0.1\",\"endpoint\":\"/x\",\"success\":true,\"details\":\"from 192.168.1.20\"}"),
        ["client_address_null"] = (
            l => TestEvents.ClientAddress(l, "r", null, s_peer),
            ",\"event_type\":\"client_address\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"details\":\"from 2001:db8::1\"}"),
        ["client_address_longest"] = (
            l => TestEvents.ClientAddressRequired(l, "r", s_longestAddress, "sk-inf-abcdefghijkl"),
            ",\"event_type\":\"client_address_required\",\"request_id\":\"r\",\"client_ip\":\"::ffff:255.255.255.255%4294967295\",\"key_prefix\":\"sk-inf-a\",\"endpoint\":\"/x\",\"success\":true}"),
        ["client_address_v6_scoped"] = (
            l => TestEvents.ClientAddressRequired(l, "r", s_fullAddress, "k"),
            ",\"event_type\":\"client_address_required\",\"request_id\":\"r\",\"client_ip\":\"fe80:1234:5678:9abc:def0:1234:5678:9abc%4294967295\",\"key_prefix\":\"k\",\"endpoint\":\"/x\",\"success\":true}"),
        ["undefined_enum"] = (
            l => TestEvents.InferenceCompleted(l, "r", 1, 2L, s_guid, 0.5, false, (ModelTier)42),
            ",\"event_type\":\"inference_completed\",\"request_id\":\"r\",\"endpoint\":\"/v1/chat/completions\",\"success\":true,\"prompt_tokens\":1,\"total_tokens\":2,\"session_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"latency_ms\":0.5,\"cached\":false,\"tier\":42}"),
        ["client_in_details"] = (
            l => TestEvents.ClientInDetails(l, "r", s_v4Client),
            ",\"event_type\":\"client_in_details\",\"request_id\":\"r\",\"client_ip\":\"10.0.0.1\",\"endpoint\":\"/x\",\"success\":true,\"details\":\"from 10.0.0.1\"}"),
        ["nullables_set"] = (
            l => TestEvents.Nullables(l, "r", 1, 2L, s_guid, 0.25, false, s_when, ModelTier.Free, "n"),
            ",\"event_type\":\"nullables\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"count\":1,\"total\":2,\"session\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"score\":0.25,\"flag\":false,\"when\":\"2026-11-27T21:55:00.0000000Z\",\"tier\":\"free\",\"note\":\"n\"}"),
        ["nullables_null"] = (
            l => TestEvents.Nullables(l, "r", null, null, null, null, null, null, null, null),
            ",\"event_type\":\"nullables\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true}"),
        ["more_nullables_set"] = (
            l => TestEvents.MoreNullables(l, "r", 'A', -1, 2, -3, 4, 5u, 6ul, 0.5f, 7.25m, new DateTimeOffset(s_when), TimeSpan.FromMinutes(90), s_version),
            ",\"event_type\":\"more_nullables\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"grade\":\"A\",\"i8\":-1,\"u8\":2,\"i16\":-3,\"u16\":4,\"u32\":5,\"u64\":6,\"single\":0.5,\"price\":7.25,\"at\":\"2026-11-27T21:55:00.0000000+00:00\",\"elapsed\":\"01:30:00\",\"version\":\"1.2.3\"}"),
        ["more_nullables_null"] = (
            l => TestEvents.MoreNullables(l, "r", null, null, null, null, null, null, null, float.PositiveInfinity, null, null, null, null),
            ",\"event_type\":\"more_nullables\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"single\":null}"),
        ["secrets"] = (
            l => TestEvents.Secrets(l, "r", "sk-inf-abcdefghijkl", "alice@example.com", null),
            ",\"event_type\":\"secrets\",\"request_id\":\"r\",\"key_prefix\":\"sk-inf-a\",\"endpoint\":\"/api/keys\",\"success\":true,\"email\":\"{fp:alice@example.com}\"}"),
        ["renamed"] = (
            l => TestEvents.Renamed(l, "r", 404),
            ",\"event_type\":\"renamed\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"http_status\":404}"),
        ["template_types"] = (
            l => TestEvents.TemplateTypes(l, "r", 3, 9.99m, s_when, (ModelTier)7, true, null),
            ",\"event_type\":\"template_types\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"details\":\"3 items at 9.99 on 2026-11-27T21:55:00.0000000Z (7, true) {literal} \"}"),
        ["outcome"] = (
            l => TestEvents.Outcome(l, "r", "/v1/embeddings", false, "upstream timeout"),
            ",\"event_type\":\"outcome\",\"request_id\":\"r\",\"endpoint\":\"/v1/embeddings\",\"success\":false,\"details\":\"upstream timeout\"}"),
        ["outcome_no_details"] = (
            l => TestEvents.Outcome(l, "r", "/v1/embeddings", true, null),
            ",\"event_type\":\"outcome\",\"request_id\":\"r\",\"endpoint\":\"/v1/embeddings\",\"success\":true}"),
        ["escapes_in_constants"] = (
            l => TestEvents.EscapesInConstants(l, "r"),
            ",\"event_type\":\"escapes_in_constants\",\"request_id\":\"r\",\"endpoint\":\"/a\\\"b\\\\c\",\"success\":true,\"details\":\"tab\\there \\u2028 \\\"quoted\\\"\"}"),
        ["tenant_switched"] = (
            l => new TenantAudit(l).TenantSwitched("r", "acme"),
            ",\"event_type\":\"tenant_switched\",\"request_id\":\"r\",\"endpoint\":\"/api/tenants\",\"success\":true,\"tenant\":\"acme\"}"),
        ["model_evicted"] = (
            l => new ModelAudit(l).ModelEvicted("r", "llama", 1L << 33),
            ",\"event_type\":\"model_evicted\",\"request_id\":\"r\",\"endpoint\":\"/api/models/unload\",\"success\":true,\"model_id\":\"llama\",\"freed_bytes\":8589934592}"),
        ["property_form"] = (
            l => new PropertyAudit(l).PropertyForm("r", 8080),
            ",\"event_type\":\"property_form\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"port\":8080}"),
    };

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (string name in Events.Keys)
        {
            names.Add(name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Writes_the_exact_line(string name)
    {
        var sink = new MemorySink();
        var options = new AuditOptions { RedactionKey = s_redactionKey };
        using (var logger = new AuditLogger(sink, options, s_noSeq))
        {
            Events[name].Call(logger);
        }

        string expected = Events[name].Line.Replace("{fp:alice@example.com}", Fingerprint("alice@example.com"), StringComparison.Ordinal);
        Assert.Equal(expected, AuditLine.WithoutTimestamp(Assert.Single(sink.Lines)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Allocates_nothing_after_warm_up(string name)
    {
        // Instance-form events are called through a wrapper made once, outside the measurement.
        Action<AuditLogger> call = Events[name].Call;
        using var logger = new AuditLogger(new DiscardSink(), new AuditOptions { RedactionKey = s_redactionKey });
        var tenant = new TenantAudit(logger);
        var model = new ModelAudit(logger);
        var property = new PropertyAudit(logger);
        Action invoke = name switch
        {
            "tenant_switched" => () => tenant.TenantSwitched("r", "acme"),
            "model_evicted" => () => model.ModelEvicted("r", "llama", 1L << 33),
            "property_form" => () => property.PropertyForm("r", 8080),
            _ => () => call(logger),
        };

        Assert.Equal(0, Allocations.Measure(invoke, 2_000, 20_000, logger.Flush));
    }

    [Fact]
    public void A_client_address_in_the_template_obeys_LogClientIp()
    {
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink, new AuditOptions { LogClientIp = false }, s_noSeq))
        {
            TestEvents.ClientInDetails(logger, "r", s_v4Client);
        }

        Assert.Equal(
            ",\"event_type\":\"client_in_details\",\"request_id\":\"r\",\"endpoint\":\"/x\",\"success\":true,\"details\":\"from \"}",
            AuditLine.WithoutTimestamp(Assert.Single(sink.Lines)));
    }

    [Fact]
    public void Redacted_values_are_fingerprints_equal_for_equal_values_and_keyed()
    {
        var sink = new MemorySink();
        using (var logger = new AuditLogger(sink, new AuditOptions { RedactionKey = s_redactionKey }, s_noSeq))
        {
            TestEvents.Secrets(logger, "1", "k", "alice@example.com", "4111111111111111");
            TestEvents.Secrets(logger, "2", "k", "alice@example.com", "4111111111111112");
            logger.Options = new AuditOptions { RedactionKey = Encoding.UTF8.GetBytes("another-key-of-16+bytes") };
            TestEvents.Secrets(logger, "3", "k", "alice@example.com", null);
        }

        string[] lines = sink.Lines;
        string Field(string line, string name) => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty(name).GetString()!;
        Assert.Equal(Field(lines[0], "email"), Field(lines[1], "email"));
        Assert.NotEqual(Field(lines[0], "card"), Field(lines[1], "card"));
        Assert.NotEqual(Field(lines[0], "email"), Field(lines[2], "email"));
        Assert.Matches("^[0-9a-f]{12}$", Field(lines[0], "card"));
        Assert.DoesNotContain("card", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Instance_form_with_bool_returns_whether_accepted()
    {
        var logger = new AuditLogger(new DiscardSink());
        var model = new ModelAudit(logger);
        Assert.True(model.ModelEvicted("r", "m", 1));
        logger.Options = new AuditOptions { Enabled = false };
        Assert.True(model.ModelEvicted("r", "m", 1)); // disabled auditing accepts: nothing to deny
        logger.Options = new AuditOptions();
        logger.Dispose();
        Assert.False(model.ModelEvicted("r", "m", 1));
    }

    private static string Fingerprint(string value)
    {
        byte[] mac = System.Security.Cryptography.HMACSHA256.HashData(s_redactionKey, Encoding.UTF8.GetBytes(value));
        return Convert.ToHexString(mac, 0, 6).ToLowerInvariant();
    }
}
