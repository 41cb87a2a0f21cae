using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// Publishes a logger's counters through <see cref="System.Diagnostics.Metrics"/> (meter <c>Infernum.Audit.Fast</c>),
/// for OpenTelemetry and dotnet-counters. Observable instruments: nothing is done per event, only per collection.
/// </summary>
internal sealed class AuditMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Infernum.Audit.Fast";

    private static readonly AuditDropReason[] s_reasons = Enum.GetValues<AuditDropReason>();

    private readonly Meter _meter;

    public AuditMetrics(AuditLogger logger)
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("infernum.audit.events.offered", () => logger.Counters.Offered, "{event}", "Events offered to the logger: accepted or dropped.");
        _meter.CreateObservableCounter("infernum.audit.events.written", () => logger.Counters.Written, "{event}", "Events the sink accepted.");
        _meter.CreateObservableCounter("infernum.audit.events.dropped", () => Dropped(logger.Counters), "{event}", "Events not written, by reason.");
        _meter.CreateObservableCounter("infernum.audit.sink.write_errors", () => logger.Counters.WriteErrors, "{error}", "Sink calls that threw.");
        _meter.CreateObservableGauge("infernum.audit.buffer.bytes", () => logger.Counters.BufferedBytes, "By", "Bytes waiting for the sink.");
        _meter.CreateObservableGauge("infernum.audit.buffer.high_water", () => logger.Counters.BufferedBytesHighWater, "By", "Most bytes that ever waited for the sink.");
    }

    public void Dispose() => _meter.Dispose();

    private static IEnumerable<Measurement<long>> Dropped(AuditCounters counters)
    {
        foreach (AuditDropReason reason in s_reasons)
        {
            yield return new Measurement<long>(counters.DroppedFor(reason), new KeyValuePair<string, object?>("reason", reason.ToString()));
        }
    }
}
