using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.AspNetCore.Tests;

/// <summary>
/// The audit path adds 0 bytes to a request: the same request, through the same pipeline, allocates exactly as much on
/// the request thread with auditing on as with it off (<c>AuditOptions.Enabled = false</c>, which skips even reading
/// the request's fields), after warm-up. Measured by a first middleware around the pipeline's synchronous run
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), which every request here completes on one thread.
/// </summary>
[Collection(RequestAllocationCollection.Name)]
public sealed class RequestAllocationTests
{
    private const int WarmUp = 300;
    private const int Measured = 60;

    private readonly ITestOutputHelper _output;

    public RequestAllocationTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, string, string?, int> Outcomes => new()
    {
        { "auth_success", "GET /v1/models", TestApp.ValidKey, 200 },
        { "auth_failure", "GET /v1/models", TestApp.UnknownKey, 401 },
        { "auth_expired", "GET /v1/models", TestApp.ExpiredKey, 401 },
        { "auth_disabled", "GET /v1/models", TestApp.DisabledKey, 401 },
        { "missing_key", "GET /v1/models", null, 401 },
        { "scope_violation", "POST /api/models/load", TestApp.ValidKey, 403 },
        { "rate_limited", "GET /v1/models", TestApp.LimitedKey, 429 },
        { "model_load", "POST /api/models/load", TestApp.AdminKey, 200 },
        { "key_created", "POST /api/keys", TestApp.AdminKey, 200 },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task With_the_trace_identifier_as_request_id(string outcome, string request, string? key, int status)
        => await MeasureAsync(outcome, request, key, status, w3c: false);

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task With_the_W3C_trace_id_as_request_id_and_the_trace_context_on(string outcome, string request, string? key, int status)
        => await MeasureAsync(outcome, request, key, status, w3c: true);

    private async Task MeasureAsync(string outcome, string request, string? key, int status, bool w3c)
    {
        using ActivityListener? listener = w3c ? TestApp.ListenToRequests() : null;

        await using TestApp app = await TestApp.StartAsync(http: o => o.RequestId = w3c ? AuditRequestIdSource.W3CTraceId : AuditRequestIdSource.TraceIdentifier, measure: true, traceContext: w3c);
        string[] parts = request.Split(' ');
        long[] least = new long[2];
        for (int mode = 0; mode < 2; mode++)
        {
            bool on = mode == 0;
            app.Audit.Options = app.Audit.Options with { Enabled = on };
            for (int i = 0; i < WarmUp; i++)
            {
                int answered = await app.SendAsync(parts[0], parts[1], key);
                Assert.True(answered == status || (i == 0 && on && outcome == "rate_limited"), $"{answered}"); // the window's one permit
            }

            app.Allocations.Clear();
            for (int i = 0; i < Measured; i++)
            {
                await app.SendAsync(parts[0], parts[1], key);
            }

            List<long> measured = app.Allocations.Where(a => a >= 0).ToList();
            Assert.True(measured.Count >= Measured / 2, $"only {measured.Count} of {Measured} requests ran on one thread");
            least[mode] = measured.Min();
            _output.WriteLine($"{outcome} ({(w3c ? "W3C" : "TraceIdentifier")}), auditing {(on ? "on" : "off")}: least {least[mode]} B, median {measured.Order().ElementAt(measured.Count / 2)} B per request");
        }

        string[] lines = await app.LinesAsync();
        Assert.Contains(lines, l => l.Contains(outcome == "missing_key" ? "\"details\":\"missing_key\"" : "\"event_type\":\"" + outcome + "\"", StringComparison.Ordinal));
        Assert.Equal(least[1], least[0]);
    }
}

/// <summary>Allocation measurements run alone: other tests' requests would share the thread pool's threads.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RequestAllocationCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "request allocation";
}
