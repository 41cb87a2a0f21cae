using System;
using System.Diagnostics.Metrics;

namespace Infernum.Audit.Fast.Forwarding;

/// <summary>Publishes a forwarder's counters as observable instruments of the meter <c>Infernum.Audit.Fast.Forwarding</c>.</summary>
internal sealed class ForwarderMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Infernum.Audit.Fast.Forwarding";

    private readonly Meter _meter;

    public ForwarderMetrics(AuditForwarderCounters counters)
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("infernum.audit.forward.shipped", () => counters.Shipped, "{line}", "Lines the collector has taken.");
        _meter.CreateObservableCounter("infernum.audit.forward.sent", () => counters.Sent, "{message}", "Messages written to a connection, resends included.");
        _meter.CreateObservableCounter("infernum.audit.forward.resent", () => counters.Resent, "{message}", "Messages sent again after a disconnect or restart.");
        _meter.CreateObservableCounter("infernum.audit.forward.connections", () => counters.Connections, "{connection}", "Connections made, the first included.");
        _meter.CreateObservableCounter("infernum.audit.forward.reconnects", () => counters.Reconnects, "{connection}", "Connections made after the first.");
        _meter.CreateObservableCounter("infernum.audit.forward.connect_failures", () => counters.ConnectFailures, "{attempt}", "Failed connection attempts.");
        _meter.CreateObservableCounter("infernum.audit.forward.certificate_rejections", () => counters.CertificateRejections, "{attempt}", "TLS handshakes refused because of the server certificate.");
        _meter.CreateObservableCounter("infernum.audit.forward.collector_refusals", () => counters.CollectorRefusals, "{connection}", "Connections the collector accepted and took nothing on.");
        _meter.CreateObservableCounter("infernum.audit.forward.stalls", () => counters.Stalls, "{connection}", "Connections given up because the collector stopped taking data.");
        _meter.CreateObservableCounter("infernum.audit.forward.disconnects", () => counters.Disconnects, "{connection}", "Connections lost after they were established.");
        _meter.CreateObservableCounter("infernum.audit.forward.oversize", () => counters.OversizeLines, "{line}", "Lines too long to ship, recorded locally.");
        _meter.CreateObservableCounter("infernum.audit.forward.missing", () => counters.MissingLines, "{line}", "Lines deleted by retention before they were shipped (lost).");
        _meter.CreateObservableGauge("infernum.audit.forward.lag.lines", () => counters.LagLines, "{line}", "Lines written and not yet taken by the collector.");
        _meter.CreateObservableGauge("infernum.audit.forward.lag.seconds", () => counters.LagSeconds, "s", "Age bound of the oldest line not yet taken.");
    }

    public void Dispose() => _meter.Dispose();
}
