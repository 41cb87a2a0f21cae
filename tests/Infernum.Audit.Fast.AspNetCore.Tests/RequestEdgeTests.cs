using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Xunit;

namespace Infernum.Audit.Fast.AspNetCore.Tests;

/// <summary>
/// The findings of the attack on the request path: a rejection handler set after <c>AuditRejections</c>, the prefix of
/// a key the store rejected, a full key passed as a prefix, a throwing store, and a key header sent twice.
/// </summary>
public sealed class RequestEdgeTests
{
    private const string Ip = "\"client_ip\":\"10.1.2.3\"";

    private static string RateLimitedLine(string requestId, string? prefix, string endpoint)
        => ",\"event_type\":\"rate_limited\",\"request_id\":\"" + requestId + "\"," + Ip
            + (prefix is null ? string.Empty : ",\"key_prefix\":\"" + prefix + "\"")
            + ",\"endpoint\":\"" + endpoint + "\",\"success\":false,\"details\":\"Request rate limit exceeded\"}";

    /// <summary>Sends the limited key twice: the second is rejected, the user's handler ran once, and there is one <c>rate_limited</c> line.</summary>
    private static async Task AssertOneRejectionAsync(TestApp app, Func<int> ran)
    {
        Assert.Equal(200, await app.SendAsync("GET", "/v1/models", TestApp.LimitedKey, "l-1"));
        Assert.Equal(429, await app.SendAsync("GET", "/v1/models", TestApp.LimitedKey, "l-2"));

        Assert.Equal(1, ran());
        string[] lines = await app.LinesAsync();
        Assert.Single(lines, l => l.Contains("rate_limited", StringComparison.Ordinal));
        Assert.Contains(RateLimitedLine("l-2", "sk-lim-l", "/v1/models"), lines);
    }

    [Fact]
    public async Task A_rejection_handler_set_on_the_result_of_AuditRejections_runs_after_the_line()
    {
        int ran = 0;
        await using TestApp app = await TestApp.StartAsync(afterAudit: o => o.AuditRejections().OnRejected = (_, _) =>
        {
            ran++;
            return ValueTask.CompletedTask;
        });

        await AssertOneRejectionAsync(app, () => ran);
    }

    [Fact]
    public async Task A_rejection_handler_set_in_a_later_Configure_runs_after_the_line()
    {
        int ran = 0;
        await using TestApp app = await TestApp.StartAsync(services: s => s.Configure<RateLimiterOptions>(o => o.OnRejected = (_, _) =>
        {
            ran++;
            return ValueTask.CompletedTask;
        }));

        await AssertOneRejectionAsync(app, () => ran);
    }

    [Fact]
    public async Task A_rejection_handler_that_calls_the_one_it_replaced_makes_no_second_line()
    {
        int ran = 0;
        await using TestApp app = await TestApp.StartAsync(afterAudit: o =>
        {
            Func<OnRejectedContext, System.Threading.CancellationToken, ValueTask>? previous = o.OnRejected;
            o.OnRejected = (context, token) =>
            {
                ran++;
                return previous!(context, token);
            };
        });

        await AssertOneRejectionAsync(app, () => ran);
    }

    [Fact]
    public async Task A_key_the_store_rejected_gives_no_prefix_to_later_lines_of_the_request()
    {
        await using TestApp app = await TestApp.StartAsync();

        Assert.Equal(200, await app.SendAsync("GET", "/open/limited", null, "t-1"));
        Assert.Equal(429, await app.SendAsync("GET", "/open/limited", "sk-unauthorised-0123456789", "t-2"));
        Assert.Equal(200, await app.SendAsync("POST", "/open/models/load", TestApp.UnknownKey, "t-load"));
        Assert.Equal(200, await app.SendAsync("POST", "/open/models/load", TestApp.ExpiredKey, "t-expired"));

        string[] lines = await app.LinesAsync();
        Assert.Contains(RateLimitedLine("t-2", null, "/open/limited"), lines);
        Assert.Contains(",\"event_type\":\"model_load\",\"request_id\":\"t-load\"," + Ip + ",\"endpoint\":\"/api/models/load\",\"success\":true,\"details\":\"Model: llama-3-8b\"}", lines);
        Assert.Contains(",\"event_type\":\"model_load\",\"request_id\":\"t-expired\"," + Ip + ",\"endpoint\":\"/api/models/load\",\"success\":true,\"details\":\"Model: llama-3-8b\"}", lines);

        // The only prefix written is that of the expired key on its own auth_expired line.
        Assert.Equal(new[] { "sk-inf-e" }, lines.Where(l => l.Contains("key_prefix", StringComparison.Ordinal)).Select(l => l.Split("\"key_prefix\":\"")[1][..8]).ToArray());
        Assert.DoesNotContain(lines, l => l.Contains("sk-unaut", StringComparison.Ordinal) || l.Contains("sk-inf-u", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sk-new-fullkey-SECRETother", "sk-new-f")]
    [InlineData("sk-inf-n", "sk-inf-n")]
    [InlineData("abc", "abc")]
    [InlineData("sk-abc-\U0001F511tail", "sk-abc-")] // the key emoji's surrogate pair straddles char 8: left out whole
    [InlineData("sk-ab-\U0001F511tail", "sk-ab-\U0001F511")]
    public async Task Admin_key_prefixes_are_cut_to_the_prefix_length(string given, string written)
    {
        await using TestApp app = await TestApp.StartAsync();
        Assert.Equal(200, await app.SendAsync("POST", "/api/keys/given", TestApp.AdminKey, "k", configure: c => c.Request.Headers["X-New-Key"] = given));

        string[] lines = await app.LinesAsync();
        Assert.Contains(lines, l => l.EndsWith(",\"details\":\"Created key: " + Json(written) + "...\"}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(",\"details\":\"Revoked key: " + Json(written) + "...\"}", StringComparison.Ordinal));
        if (given.Length > written.Length)
        {
            Assert.DoesNotContain(lines, l => l.Contains(Json(given[..(written.Length + 1)]), StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(TestApp.ThrowingKey)]
    [InlineData(TestApp.FaultingKey)]
    public async Task A_throwing_key_store_writes_store_error_and_its_exception_propagates(string key)
    {
        await using TestApp app = await TestApp.StartAsync();
        InvalidOperationException thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => app.SendAsync("GET", "/v1/models", key, "s-1"));
        Assert.StartsWith("key store unreachable", thrown.Message, StringComparison.Ordinal);

        Assert.Equal(
            ",\"event_type\":\"auth_failure\",\"request_id\":\"s-1\"," + Ip + ",\"endpoint\":\"/v1/models\",\"success\":false,\"details\":\"store_error\"}",
            Assert.Single(await app.LinesAsync()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("X-Api-Key")]
    public async Task A_key_header_sent_twice_is_malformed_and_never_joined(string? header)
    {
        await using TestApp app = await TestApp.StartAsync(http: o => o.KeyHeaderName = header, headerName: header);
        string prefix = header is null ? "Bearer " : string.Empty;
        Assert.Equal(401, await app.SendAsync("GET", "/v1/models", null, "m-1", configure: c =>
            c.Request.Headers[header ?? "Authorization"] = new StringValues(new[] { prefix + TestApp.ValidKey, prefix + TestApp.AdminKey })));

        Assert.Equal(
            ",\"event_type\":\"auth_failure\",\"request_id\":\"m-1\"," + Ip + ",\"endpoint\":\"/v1/models\",\"success\":false,\"details\":\"malformed_key\"}",
            Assert.Single(await app.LinesAsync()));
    }

    // The generator writes non-ASCII text as raw UTF-8 (RFC 8259 section 7); these values need no escape.
    private static string Json(string value) => value;
}
