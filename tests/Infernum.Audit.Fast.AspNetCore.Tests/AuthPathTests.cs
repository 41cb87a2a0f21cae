using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace Infernum.Audit.Fast.AspNetCore.Tests;

/// <summary>Real requests through the in-process server, one per outcome, and the exact line each writes.</summary>
public sealed class AuthPathTests
{
    private const string Ip = "\"client_ip\":\"10.1.2.3\"";

    [Fact]
    public async Task Every_outcome_writes_the_seed_line()
    {
        await using TestApp app = await TestApp.StartAsync();

        Assert.Equal(200, await app.SendAsync("GET", "/v1/models", TestApp.ValidKey, "r-valid"));
        Assert.Equal(401, await app.SendAsync("GET", "/v1/models", TestApp.UnknownKey, "r-unknown"));
        Assert.Equal(401, await app.SendAsync("GET", "/v1/models", TestApp.ExpiredKey, "r-expired"));
        Assert.Equal(401, await app.SendAsync("GET", "/v1/models", TestApp.DisabledKey, "r-disabled"));
        Assert.Equal(401, await app.SendAsync("GET", "/v1/models", null, "r-missing"));
        Assert.Equal(403, await app.SendAsync("POST", "/api/models/load", TestApp.ValidKey, "r-scope"));
        Assert.Equal(200, await app.SendAsync("GET", "/v1/models", TestApp.LimitedKey, "r-limit-1"));
        Assert.Equal(429, await app.SendAsync("GET", "/v1/models", TestApp.LimitedKey, "r-limit-2"));
        Assert.Equal(200, await app.SendAsync("POST", "/api/models/load", TestApp.AdminKey, "r-load"));
        Assert.Equal(200, await app.SendAsync("POST", "/api/models/unload", TestApp.AdminKey, "r-unload"));
        Assert.Equal(200, await app.SendAsync("POST", "/api/keys", TestApp.AdminKey, "r-create"));
        Assert.Equal(200, await app.SendAsync("DELETE", "/api/keys", TestApp.AdminKey, "r-revoke"));
        Assert.Equal(200, await app.SendAsync("GET", "/health", null, "r-anonymous"));

        // Lines of different threads are in the order the writer collected them (README, "How it works"): compared as sets.
        Assert.Equal(
            new[]
            {
                ",\"event_type\":\"auth_success\",\"request_id\":\"r-valid\"," + Ip + ",\"key_prefix\":\"sk-inf-v\",\"endpoint\":\"/v1/models\",\"success\":true}",
                ",\"event_type\":\"auth_failure\",\"request_id\":\"r-unknown\"," + Ip + ",\"endpoint\":\"/v1/models\",\"success\":false,\"details\":\"invalid_key\"}",
                ",\"event_type\":\"auth_expired\",\"request_id\":\"r-expired\"," + Ip + ",\"key_prefix\":\"sk-inf-e\",\"endpoint\":\"/v1/models\",\"success\":false,\"details\":\"API key has expired\"}",
                ",\"event_type\":\"auth_disabled\",\"request_id\":\"r-disabled\"," + Ip + ",\"key_prefix\":\"sk-inf-d\",\"endpoint\":\"/v1/models\",\"success\":false,\"details\":\"API key is disabled\"}",
                ",\"event_type\":\"auth_failure\",\"request_id\":\"r-missing\"," + Ip + ",\"endpoint\":\"/v1/models\",\"success\":false,\"details\":\"missing_key\"}",
                ",\"event_type\":\"auth_success\",\"request_id\":\"r-scope\"," + Ip + ",\"key_prefix\":\"sk-inf-v\",\"endpoint\":\"/api/models/load\",\"success\":true}",
                ",\"event_type\":\"scope_violation\",\"request_id\":\"r-scope\"," + Ip + ",\"key_prefix\":\"sk-inf-v\",\"endpoint\":\"/api/models/load\",\"success\":false,\"details\":\"Required scope: admin\"}",
                ",\"event_type\":\"auth_success\",\"request_id\":\"r-limit-1\"," + Ip + ",\"key_prefix\":\"sk-lim-l\",\"endpoint\":\"/v1/models\",\"success\":true}",
                ",\"event_type\":\"auth_success\",\"request_id\":\"r-limit-2\"," + Ip + ",\"key_prefix\":\"sk-lim-l\",\"endpoint\":\"/v1/models\",\"success\":true}",
                ",\"event_type\":\"rate_limited\",\"request_id\":\"r-limit-2\"," + Ip + ",\"key_prefix\":\"sk-lim-l\",\"endpoint\":\"/v1/models\",\"success\":false,\"details\":\"Request rate limit exceeded\"}",
                ",\"event_type\":\"auth_success\",\"request_id\":\"r-load\"," + Ip + ",\"key_prefix\":\"sk-adm-a\",\"endpoint\":\"/api/models/load\",\"success\":true}",
                ",\"event_type\":\"model_load\",\"request_id\":\"r-load\"," + Ip + ",\"key_prefix\":\"sk-adm-a\",\"endpoint\":\"/api/models/load\",\"success\":true,\"details\":\"Model: llama-3-8b\"}",
                ",\"event_type\":\"auth_success\",\"request_id\":\"r-unload\"," + Ip + ",\"key_prefix\":\"sk-adm-a\",\"endpoint\":\"/api/models/unload\",\"success\":true}",
                ",\"event_type\":\"model_unload\",\"request_id\":\"r-unload\"," + Ip + ",\"key_prefix\":\"sk-adm-a\",\"endpoint\":\"/api/models/unload\",\"success\":false,\"details\":\"Model: llama-3-8b\"}",
                ",\"event_type\":\"auth_success\",\"request_id\":\"r-create\"," + Ip + ",\"key_prefix\":\"sk-adm-a\",\"endpoint\":\"/api/keys\",\"success\":true}",
                ",\"event_type\":\"key_created\",\"request_id\":\"r-create\"," + Ip + ",\"key_prefix\":\"sk-adm-a\",\"endpoint\":\"/api/keys\",\"success\":true,\"details\":\"Created key: sk-inf-n...\"}",
                ",\"event_type\":\"auth_success\",\"request_id\":\"r-revoke\"," + Ip + ",\"key_prefix\":\"sk-adm-a\",\"endpoint\":\"/api/keys\",\"success\":true}",
                ",\"event_type\":\"key_revoked\",\"request_id\":\"r-revoke\"," + Ip + ",\"key_prefix\":\"sk-adm-a\",\"endpoint\":\"/api/keys\",\"success\":true,\"details\":\"Revoked key: sk-inf-o...\"}",
            }.Order(StringComparer.Ordinal),
            (await app.LinesAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_line_equals_the_built_in_event_with_the_same_values()
    {
        // The package's request events and AuditLogger's built-in ones are two declarations of one line.
        await using TestApp app = await TestApp.StartAsync();
        await app.SendAsync("GET", "/v1/models", TestApp.ExpiredKey, "same");
        string[] lines = await app.LinesAsync();
        var sink = new System.IO.MemoryStream();
        using (var audit = new AuditLogger(AuditSink.ToStream(sink, leaveOpen: true), null, new AuditDeliveryOptions { WriteSequenceNumbers = false }))
        {
            audit.AuthExpired("same", System.Net.IPAddress.Parse("10.1.2.3"), TestApp.ExpiredKey, "/v1/models");
        }

        Assert.Equal(TestApp.WithoutTimestamp(System.Text.Encoding.UTF8.GetString(sink.ToArray()).TrimEnd('\n')), Assert.Single(lines));
    }

    [Fact]
    public async Task A_configured_header_carries_the_key_and_no_line_holds_more_than_its_prefix()
    {
        await using TestApp app = await TestApp.StartAsync(http: o => o.KeyHeaderName = "X-Api-Key", headerName: "X-Api-Key");
        Assert.Equal(200, await app.SendAsync("GET", "/v1/models", TestApp.ValidKey, headerName: "X-Api-Key"));
        Assert.Equal(401, await app.SendAsync("GET", "/v1/models", TestApp.ExpiredKey, headerName: "X-Api-Key"));
        Assert.Equal(403, await app.SendAsync("POST", "/api/keys", TestApp.ValidKey, headerName: "X-Api-Key"));
        Assert.Equal(200, await app.SendAsync("GET", "/v1/models", TestApp.LimitedKey, headerName: "X-Api-Key"));
        Assert.Equal(429, await app.SendAsync("GET", "/v1/models", TestApp.LimitedKey, headerName: "X-Api-Key"));
        Assert.Equal(401, await app.SendAsync("GET", "/v1/models", TestApp.ValidKey)); // a Bearer key is not this scheme's

        string[] lines = await app.LinesAsync();
        Assert.Equal(new[] { "auth_success", "auth_expired", "auth_success", "scope_violation", "auth_success", "auth_success", "rate_limited", "auth_failure" }.Order(), lines.Select(EventType).Order());
        string text = string.Join("\n", lines);
        foreach (string key in new[] { TestApp.ValidKey, TestApp.ExpiredKey, TestApp.LimitedKey })
        {
            // No 9-character piece of a key is in any line: only its 8-character prefix is written.
            for (int i = 0; i + 9 <= key.Length; i++)
            {
                Assert.DoesNotContain(key.Substring(i, 9), text, StringComparison.Ordinal);
            }
        }

        Assert.Contains("\"details\":\"missing_key\"", Assert.Single(lines, l => EventType(l) == "auth_failure"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_address_honours_the_forwarded_headers_middleware()
    {
        await using TestApp app = await TestApp.StartAsync(forwardedHeaders: true);
        // Loopback is a known proxy by default: its X-Forwarded-For is believed.
        await app.SendAsync("GET", "/v1/models", TestApp.ValidKey, "fwd", clientIp: "127.0.0.1", configure: c => c.Request.Headers["X-Forwarded-For"] = "203.0.113.7");
        // Any other peer's is not.
        await app.SendAsync("GET", "/v1/models", TestApp.ValidKey, "direct", clientIp: "198.51.100.1", configure: c => c.Request.Headers["X-Forwarded-For"] = "203.0.113.8");
        await app.SendAsync("GET", "/v1/models", TestApp.ValidKey, "v6", clientIp: "::1", configure: c => c.Request.Headers["X-Forwarded-For"] = "2001:db8::7");

        string[] lines = await app.LinesAsync();
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains("\"request_id\":\"fwd\",\"client_ip\":\"203.0.113.7\",", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"request_id\":\"direct\",\"client_ip\":\"198.51.100.1\",", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"request_id\":\"v6\",\"client_ip\":\"2001:db8::7\",", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_request_id_can_be_the_W3C_trace_id_of_the_request()
    {
        using ActivityListener listener = TestApp.ListenToRequests();
        await using TestApp app = await TestApp.StartAsync(http: o => o.RequestId = AuditRequestIdSource.W3CTraceId);

        await app.SendAsync("GET", "/v1/models", TestApp.ValidKey, "ignored", configure: c => c.Request.Headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        await app.SendAsync("POST", "/api/keys", TestApp.ValidKey, "ignored", configure: c => c.Request.Headers["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        string[] lines = await app.LinesAsync();
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.StartsWith(",\"event_type\":\"auth_success\",\"request_id\":\"0af7651916cd43dd8448eb211c80319c\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(",\"event_type\":\"auth_success\",\"request_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(",\"event_type\":\"scope_violation\",\"request_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_trace_context_on_each_line_joins_the_request_trace()
    {
        using ActivityListener listener = TestApp.ListenToRequests();
        await using TestApp app = await TestApp.StartAsync(traceContext: true);

        await app.SendAsync("POST", "/api/keys", TestApp.ValidKey, "traced", configure: c => c.Request.Headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        string[] lines = await app.LinesAsync();
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Matches("\"success\":(true|false)(,\"details\":\"[^\"]*\")?,\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"span_id\":\"[0-9a-f]{16}\"}$", l));
        Assert.DoesNotContain("b7ad6b7169203331", lines[0], StringComparison.Ordinal); // the server's own span, not the caller's
    }

    [Fact]
    public async Task Scope_violations_and_rate_limits_are_audited_for_another_scheme_with_only_the_bearer_prefix()
    {
        await using TestApp app = await TestApp.StartAsync(otherScheme: true);
        const string Token = "eyJhbGciOiJSUzI1NiJ9.payload.signature";
        const string LimitedToken = "eyJsim-lim.payload.signature";

        Assert.Equal(200, await app.SendAsync("GET", "/v1/models", Token, "o-ok"));          // "chat" is in "read chat"
        Assert.Equal(403, await app.SendAsync("POST", "/api/keys", Token, "o-scope"));
        Assert.Equal(200, await app.SendAsync("GET", "/v1/models", LimitedToken, "o-lim-1"));
        Assert.Equal(429, await app.SendAsync("GET", "/v1/models", LimitedToken, "o-lim-2"));

        Assert.Equal(
            new[]
            {
                ",\"event_type\":\"rate_limited\",\"request_id\":\"o-lim-2\"," + Ip + ",\"key_prefix\":\"eyJsim-l\",\"endpoint\":\"/v1/models\",\"success\":false,\"details\":\"Request rate limit exceeded\"}",
                ",\"event_type\":\"scope_violation\",\"request_id\":\"o-scope\"," + Ip + ",\"key_prefix\":\"eyJhbGci\",\"endpoint\":\"/api/keys\",\"success\":false,\"details\":\"Required scope: admin\"}",
            }.Order(StringComparer.Ordinal),
            (await app.LinesAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_auditing_switched_off_no_line_is_written()
    {
        await using TestApp app = await TestApp.StartAsync();
        app.Audit.Options = app.Audit.Options with { Enabled = false };
        Assert.Equal(200, await app.SendAsync("GET", "/v1/models", TestApp.ValidKey));
        Assert.Equal(401, await app.SendAsync("GET", "/v1/models", TestApp.ExpiredKey));
        Assert.Equal(403, await app.SendAsync("POST", "/api/keys", TestApp.ValidKey));
        Assert.Empty(await app.LinesAsync());
    }

    private static string EventType(string line)
    {
        const string Marker = ",\"event_type\":\"";
        int start = line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length;
        return line.Substring(start, line.IndexOf('"', start) - start);
    }
}
