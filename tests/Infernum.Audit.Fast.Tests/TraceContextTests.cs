using System;
using System.Diagnostics;
using System.Linq;
using Infernum.Audit.Fast.Tests.Support;
using NJsonSchema;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>The opt-in <c>trace_id</c> and <c>span_id</c> of <see cref="Activity.Current"/>, on built-in and user events.</summary>
[Collection(AllocationCollection.Name)]
public sealed class TraceContextTests : IDisposable
{
    private readonly ActivitySource _source = new("infernum-trace-tests");
    private readonly ActivityListener _listener;

    public TraceContextTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    private static string[] Log(bool traceContext, Action<AuditLogger> calls)
    {
        var sink = new MemorySink();
        using (var audit = new AuditLogger(sink, new AuditOptions { WriteTraceContext = traceContext }))
        {
            calls(audit);
        }

        return sink.Lines;
    }

    [Fact]
    public async System.Threading.Tasks.Task With_it_on_built_in_and_user_events_carry_the_current_W3C_ids_before_seq()
    {
        using Activity activity = _source.StartActivity("request")!;
        Assert.Equal(ActivityIdFormat.W3C, activity.IdFormat);
        string ids = ",\"trace_id\":\"" + activity.TraceId.ToHexString() + "\",\"span_id\":\"" + activity.SpanId.ToHexString() + "\",\"seq\":";

        string[] lines = Log(true, audit =>
        {
            audit.AuthSuccess("r1", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
            audit.ScopeViolation("r2", System.Net.IPAddress.Loopback, "sk-inf-abcdefghijkl", "/api/keys", "admin");
            TestEvents.Renamed(audit, "r3", 404);
        });

        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.Contains(ids, line, StringComparison.Ordinal));
        Assert.Contains(",\"http_status\":404" + ids, lines[2], StringComparison.Ordinal); // after the event's own fields
        JsonSchema schema = await JsonSchema.FromJsonAsync(AuditLogger.BuiltInJsonSchema);
        Assert.Empty(schema.Validate(lines[0]));
        Assert.Empty(schema.Validate(lines[1]));
    }

    [Fact]
    public void Off_by_default_and_absent_without_a_W3C_activity()
    {
        using (Activity activity = _source.StartActivity("request")!)
        {
            Assert.DoesNotContain("trace_id", Assert.Single(Log(false, a => a.AuthFailure("r", null, "invalid_key", "/e"))), StringComparison.Ordinal);
        }

        Assert.Null(Activity.Current);
        Assert.DoesNotContain("trace_id", Assert.Single(Log(true, a => a.AuthFailure("r", null, "invalid_key", "/e"))), StringComparison.Ordinal);

        using var hierarchical = new Activity("legacy");
        hierarchical.SetIdFormat(ActivityIdFormat.Hierarchical);
        hierarchical.Start();
        Assert.DoesNotContain("trace_id", Assert.Single(Log(true, a => a.AuthFailure("r", null, "invalid_key", "/e"))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_event_with_its_own_trace_id_keeps_it_and_gets_no_second_one()
    {
        using Activity activity = _source.StartActivity("request")!;
        var id = Guid.NewGuid();
        string line = Assert.Single(Log(true, a => TestEvents.Times(a, "r", DateTime.UnixEpoch, DateTimeOffset.UnixEpoch, TimeSpan.Zero, id)));
        Assert.Equal(1, line.Split("\"trace_id\"").Length - 1);
        Assert.DoesNotContain("span_id", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_the_trace_context_allocates_nothing()
    {
        using Activity activity = _source.StartActivity("request")!;
        using var audit = new AuditLogger(new DiscardSink(), new AuditOptions { WriteTraceContext = true });
        Assert.Equal(0, Allocations.Measure(() => audit.AuthSuccess("r", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/models"), 5_000, 20_000, audit.Flush));
        Assert.Equal(0, Allocations.Measure(() => TestEvents.Renamed(audit, "r", 200), 5_000, 20_000, audit.Flush));
    }
}
