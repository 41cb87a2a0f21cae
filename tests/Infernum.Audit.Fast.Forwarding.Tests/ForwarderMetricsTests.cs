using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

/// <summary>Every counter of <see cref="AuditForwarderCounters"/> the docs list is also an instrument of the meter, with the same value.</summary>
public sealed class ForwarderMetricsTests
{
    [Fact]
    public async Task Every_counter_is_published_by_the_meter_with_the_counters_value()
    {
        using TempFolder folder = new("metrics");
        string path = folder.File("audit.jsonl");
        await System.IO.File.WriteAllTextAsync(path, "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"x\",\"seq\":1}\n");
        int closedPort;
        using (Socket probe = new(SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        using AuditForwarder forwarder = new(new AuditForwarderOptions
        {
            FilePath = path,
            StateDirectory = folder.File("state"),
            Host = "127.0.0.1",
            Port = closedPort,
            MinReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
            PollInterval = TimeSpan.FromMilliseconds(10),
        });
        using (CancellationTokenSource stop = new())
        {
            Task running = forwarder.RunAsync(stop.Token);
            await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.ConnectFailures >= 2, TimeSpan.FromSeconds(30), "two failed connects");
            await stop.CancelAsync();
            await running;
        }

        AuditForwarderCounters c = forwarder.Counters;
        Dictionary<string, double> expected = new()
        {
            ["infernum.audit.forward.shipped"] = c.Shipped,
            ["infernum.audit.forward.sent"] = c.Sent,
            ["infernum.audit.forward.resent"] = c.Resent,
            ["infernum.audit.forward.connections"] = c.Connections,
            ["infernum.audit.forward.reconnects"] = c.Reconnects,
            ["infernum.audit.forward.connect_failures"] = c.ConnectFailures,
            ["infernum.audit.forward.certificate_rejections"] = c.CertificateRejections,
            ["infernum.audit.forward.collector_refusals"] = c.CollectorRefusals,
            ["infernum.audit.forward.stalls"] = c.Stalls,
            ["infernum.audit.forward.disconnects"] = c.Disconnects,
            ["infernum.audit.forward.oversize"] = c.OversizeLines,
            ["infernum.audit.forward.missing"] = c.MissingLines,
            ["infernum.audit.forward.lag.lines"] = c.LagLines,
        };

        // Other forwarders may publish under the same meter name meanwhile: the measurements are grouped by meter
        // instance, and this forwarder's (stopped, its counters no longer move) is the one whose connect failures match.
        Dictionary<Meter, Dictionary<string, double>> byMeter = [];
        using (MeterListener listener = new())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Infernum.Audit.Fast.Forwarding")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(byMeter, instrument, value));
            listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(byMeter, instrument, value));
            listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Record(byMeter, instrument, value));
            listener.Start();
            listener.RecordObservableInstruments();
        }

        Dictionary<string, double>? ours = null;
        foreach (Dictionary<string, double> measured in byMeter.Values)
        {
            if (measured.TryGetValue("infernum.audit.forward.connect_failures", out double failures) && failures == c.ConnectFailures
                && measured.TryGetValue("infernum.audit.forward.sent", out double sent) && sent == c.Sent)
            {
                ours = measured;
            }
        }

        Assert.NotNull(ours);
        foreach ((string name, double value) in expected)
        {
            Assert.True(ours.TryGetValue(name, out double published), $"no instrument {name}; published: {string.Join(", ", ours.Keys)}");
            Assert.Equal(value.ToString(CultureInfo.InvariantCulture), published.ToString(CultureInfo.InvariantCulture));
        }

        Assert.True(ours.ContainsKey("infernum.audit.forward.lag.seconds"));
    }

    private static void Record(Dictionary<Meter, Dictionary<string, double>> byMeter, Instrument instrument, double value)
    {
        lock (byMeter)
        {
            if (!byMeter.TryGetValue(instrument.Meter, out Dictionary<string, double>? measured))
            {
                measured = [];
                byMeter.Add(instrument.Meter, measured);
            }

            measured[instrument.Name] = value;
        }
    }
}
