using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Forwarding.Tests;

/// <summary>
/// Collectors that are slow, or stuck for real: a reader that keeps reading slowly must not be cut off; a real rsyslogd
/// stopped with SIGSTOP while lines flow is a stall, and after SIGCONT every line is there.
/// </summary>
[Collection("rsyslog")]
public sealed class StuckCollectorAttackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(20_000, 32 * 1024)]
    [InlineData(10_000, 16 * 1024)]
    public async Task A_collector_that_reads_slowly_but_steadily_is_not_reported_stalled_and_takes_every_line(int lines, int chunkBytes)
    {
        using TempFolder folder = new("slow-reader");
        string path = folder.File("audit.jsonl");
        await WriteLinesAsync(path, lines);
        long bytes = new System.IO.FileInfo(path).Length;

        // A chunk every 50 ms: 320 or 640 KiB/s, a 64 KiB slice is read in a fifth of the SendTimeout or less. The
        // lines fit the socket buffers or not; the idle close must wait while the collector reads to the end.
        using SlowReader reader = new(chunkBytes, every: TimeSpan.FromMilliseconds(50));
        await ShipToAsync(reader, SlowReaderOptions(folder, path, reader, TimeSpan.FromSeconds(1)), lines, $"{bytes} octets of lines");
    }

    [Theory]
    [InlineData(100 * 1024)]
    [InlineData(1 << 20)]
    public async Task Lines_larger_than_a_slice_with_the_smallest_SendTimeout_reach_a_collector_that_keeps_reading(int lineBytes)
    {
        using TempFolder folder = new("big-lines");
        string path = folder.File("audit.jsonl");
        const int lines = 40;
        System.Text.StringBuilder content = new();
        for (int i = 1; i <= lines; i++)
        {
            content.Append("{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"big\",\"pad\":\"")
                .Append('a', lineBytes).Append("\",\"seq\":").Append(i.ToString(CultureInfo.InvariantCulture)).Append("}\n");
        }

        await System.IO.File.WriteAllTextAsync(path, content.ToString());

        // 64 KiB every 20 ms (about 3 MiB/s): each 64 KiB slice is read within the 100 ms SendTimeout.
        using SlowReader reader = new(chunkBytes: 64 * 1024, every: TimeSpan.FromMilliseconds(20));
        await ShipToAsync(reader, SlowReaderOptions(folder, path, reader, TimeSpan.FromMilliseconds(100)) with { MaxMessageBytes = 2 << 20 }, lines, $"{lineBytes}-octet lines");
    }

    [Theory]
    [InlineData(SyslogTransport.Tcp)]
    [InlineData(SyslogTransport.Tls)]
    [InlineData(SyslogTransport.Relp)]
    public async Task A_real_rsyslogd_SIGSTOPped_while_lines_flow_is_reported_stalled_and_after_SIGCONT_every_line_is_there(SyslogTransport transport)
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("sigstop-" + transport);
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, transport);
        using RsyslogCollector collector = setup.Rsyslog;
        collector.Start();
        string path = folder.File("audit.jsonl");
        const int lines = 100_000;
        await WriteLinesAsync(path, lines);
        List<AuditForwarderReport> reports = [];
        using AuditForwarder forwarder = new(setup.Options(path, folder.File("state")) with
        {
            SendTimeout = TimeSpan.FromSeconds(1),
            ConnectTimeout = TimeSpan.FromSeconds(1),
            AckTimeout = TimeSpan.FromSeconds(2),
            OnReport = Collect(reports),
        });
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.Sent >= 10_000, TimeSpan.FromMinutes(1), "10,000 lines sent");
        Signal("STOP", collector.ProcessId);
        long stoppedAt = forwarder.Counters.Sent;
        await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.Stalls >= 1, TimeSpan.FromMinutes(1), "a stall");
        await Task.Delay(2_000);
        (long Stalls, long Sent, long Shipped) during = (forwarder.Counters.Stalls, forwarder.Counters.Sent, forwarder.Counters.Shipped);
        Signal("CONT", collector.ProcessId);
        CollectorOutput.Comparison result = await FinishAsync(forwarder, stop, running, collector, path, lines);
        AuditForwarderCounters counters = forwarder.Counters;
        output.WriteLine($"{transport}: stopped at {stoppedAt} sent; while stopped stalls {during.Stalls}, sent {during.Sent}, shipped {during.Shipped}; after: {result.Lines} lines, {result.Duplicates} duplicates, {result.Torn} torn, resent {counters.Resent}, stalls {counters.Stalls}, reconnects {counters.Reconnects}");
        Print(reports);
        Assert.True(result.Duplicates <= counters.Resent, $"{result.Duplicates} duplicates, {counters.Resent} resent");
        Assert.True(counters.Stalls >= 1);
    }

    [Fact]
    public async Task A_collector_that_resets_the_connection_midway_through_a_slice_is_a_disconnect_not_a_stall_and_every_line_reaches_the_rsyslog_that_replaces_it()
    {
        RsyslogForwardingTests.RequireRsyslog();
        using TempFolder folder = new("reset-midslice");
        using RsyslogForwardingTests.Collector setup = RsyslogForwardingTests.Collector.Create(folder, SyslogTransport.Tcp);
        using RsyslogCollector collector = setup.Rsyslog;
        string path = folder.File("audit.jsonl");
        const int lines = 40_000;
        await WriteLinesAsync(path, lines);

        // Reads 100,000 octets (a slice and a half), then resets (SO_LINGER 0): three connections, then rsyslogd.
        using Socket listener = new(SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, collector.Port));
        listener.Listen();
        List<AuditForwarderReport> reports = [];
        using AuditForwarder forwarder = new(setup.Options(path, folder.File("state")) with { SendTimeout = TimeSpan.FromSeconds(1), OnReport = Collect(reports) });
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        byte[] buffer = new byte[4096];
        for (int reset = 0; reset < 3; reset++)
        {
            using Socket client = await listener.AcceptAsync();
            int read = 0;
            while (read < 100_000)
            {
                read += await client.ReceiveAsync(buffer, SocketFlags.None);
            }

            client.LingerState = new LingerOption(true, 0);
            client.Close();
        }

        listener.Close();
        collector.Start();
        CollectorOutput.Comparison result = await FinishAsync(forwarder, stop, running, collector, path, lines);
        AuditForwarderCounters counters = forwarder.Counters;
        output.WriteLine($"{result.Lines} lines, {result.Duplicates} duplicates, {result.Torn} torn; resent {counters.Resent}, stalls {counters.Stalls}, disconnects {counters.Disconnects}, refusals {counters.CollectorRefusals}, connections {counters.Connections}");
        Print(reports);
        Assert.Equal(0, counters.Stalls);
        Assert.True(counters.Disconnects >= 3, $"{counters.Disconnects} disconnects");
        Assert.True(counters.Resent > 0, "what the resetting collector read was sent again");
        Assert.True(result.Duplicates <= counters.Resent);
    }

    [Fact]
    public async Task The_sidecar_with_send_timeout_reports_a_stuck_collector_stops_on_SIGTERM_and_prints_every_counter()
    {
        using TempFolder folder = new("sidecar-stuck");
        string path = folder.File("audit.jsonl");
        await WriteLinesAsync(path, 40_000);
        using StuckCollector stuck = new(0, tlsCertificate: null, answerRelpOpen: false);
        string tool = typeof(Infernum.Audit.Fast.Tool.Program).Assembly.Location;
        ProcessStartInfo start = new("dotnet",
            [tool, "forward", "--file", path, "--state", folder.File("state"), "--host", "127.0.0.1", "--port", stuck.Port.ToString(CultureInfo.InvariantCulture),
             "--transport", "tcp", "--send-timeout", "0.5", "--status-interval", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        System.Text.StringBuilder log = new();
        using Process sidecar = Process.Start(start)!;
        sidecar.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        sidecar.BeginErrorReadLine();
        Task<string> stdout = sidecar.StandardOutput.ReadToEndAsync();
        string Log()
        {
            lock (log)
            {
                return log.ToString();
            }
        }

        await RsyslogForwardingTests.WaitUntil(() => Log().Contains("Stalled:", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "a Stalled report on stderr");
        Stopwatch clock = Stopwatch.StartNew();
        Signal("TERM", sidecar.Id);
        Assert.True(sidecar.WaitForExit(30_000), "the sidecar stops on SIGTERM");
        output.WriteLine($"stop took {clock.Elapsed.TotalSeconds:F2} s");
        string summary = await stdout;
        output.WriteLine(Log());
        output.WriteLine(summary);
        Assert.Equal(0, sidecar.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("The collector took no data for the SendTimeout (0.5 s", Log(), StringComparison.Ordinal);
        Assert.Matches("stalls [1-9]", summary);
        Assert.Matches("disconnects [1-9]", summary);
        foreach (string counter in new[] { "shipped 0,", "connections ", "certificate rejections 0", "missing 0" })
        {
            Assert.Contains(counter, summary, StringComparison.Ordinal);
        }
    }

    private static AuditForwarderOptions SlowReaderOptions(TempFolder folder, string path, SlowReader reader, TimeSpan sendTimeout) => new()
    {
        FilePath = path,
        StateDirectory = folder.File("state"),
        Host = "127.0.0.1",
        Port = reader.Port,
        Transport = SyslogTransport.Tcp,
        SendTimeout = sendTimeout,
        PollInterval = TimeSpan.FromMilliseconds(10),
        MinReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(400),
    };

    // Ships every line to the slow reader: none may be reported stalled, resent or oversize, and the close must confirm all.
    private async Task ShipToAsync(SlowReader reader, AuditForwarderOptions options, int lines, string what)
    {
        List<AuditForwarderReport> reports = [];
        using AuditForwarder forwarder = new(options with { OnReport = Collect(reports) });
        using CancellationTokenSource stop = new();
        Stopwatch clock = Stopwatch.StartNew();
        Task running = forwarder.RunAsync(stop.Token);
        await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.Shipped >= lines || forwarder.Counters.Stalls > 0, TimeSpan.FromMinutes(2), "every line taken or a stall");
        if (forwarder.Counters.Shipped < lines && reader.LongestGap >= options.SendTimeout * 0.8)
        {
            // A stall the reader's own pause explains (below): the forwarder reconnects and resends; all must still arrive.
            await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.Shipped >= lines, TimeSpan.FromMinutes(2), "every line taken after the stall");
        }

        output.WriteLine($"{what}: the reader read {reader.Octets} octets, {reader.Frames} frames in {clock.Elapsed.TotalSeconds:F1} s; stalls {forwarder.Counters.Stalls}, oversize {forwarder.Counters.OversizeLines}, resent {forwarder.Counters.Resent}");
        Print(reports);
        await stop.CancelAsync();
        await running;

        // A collector that reads within each SendTimeout is never cut off. The reader here is a test thread: on a loaded
        // machine it can itself be held off the CPU for longer (a clean-clone CI run saw one stall so); then a stall is
        // what SendTimeout promises, and nothing is lost (the counts below still hold).
        if (reader.LongestGap < options.SendTimeout * 0.8)
        {
            Assert.Equal(0, forwarder.Counters.Stalls);
            Assert.Equal(0, forwarder.Counters.Resent);
        }
        else
        {
            output.WriteLine($"the reader itself paused {reader.LongestGap.TotalMilliseconds:F0} ms (SendTimeout {options.SendTimeout.TotalMilliseconds:F0} ms): stalls {forwarder.Counters.Stalls} allowed");
        }

        Assert.Equal(0, forwarder.Counters.OversizeLines);
        Assert.Equal(lines, forwarder.Counters.Shipped);
        Assert.True(reader.Frames >= lines, $"{reader.Frames} of {lines} frames read");
    }

    // Waits until rsyslogd took every line, stops both, and compares its output with the local file: every line, none torn.
    private static async Task<CollectorOutput.Comparison> FinishAsync(AuditForwarder forwarder, CancellationTokenSource stop, Task running, RsyslogCollector collector, string path, int lines)
    {
        await RsyslogForwardingTests.WaitUntil(() => forwarder.Counters.LastShippedSequence >= lines, TimeSpan.FromMinutes(2), "every line taken");
        await stop.CancelAsync();
        await running;
        collector.Stop();
        CollectorOutput.Comparison result = CollectorOutput.AssertSameAsLocal(collector.Outputs, path);
        Assert.Equal(lines, result.Lines);
        Assert.Equal(0, result.Torn);
        return result;
    }

    private static Action<AuditForwarderReport> Collect(List<AuditForwarderReport> reports) => r =>
    {
        lock (reports)
        {
            reports.Add(r);
        }
    };

    private void Print(List<AuditForwarderReport> reports)
    {
        lock (reports)
        {
            foreach (AuditForwarderReport report in reports)
            {
                output.WriteLine($"{report.Kind}: {report.Message}");
            }
        }
    }

    private static void Signal(string signal, int pid)
    {
        using Process kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task WriteLinesAsync(string path, int lines)
    {
        await using AuditLogger audit = new(AuditSink.ToFile(path), null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) });
        for (int i = 0; i < lines; i++)
        {
            audit.AuthSuccess("req-" + i.ToString(CultureInfo.InvariantCulture), "192.168.1.1", "sk-inf-abcdefghijk", "/v1/chat/completions");
        }
    }

    /// <summary>A TCP syslog collector that reads a fixed chunk at a fixed pace and counts the octet-counted frames.</summary>
    private sealed class SlowReader : IDisposable
    {
        private readonly Socket _listener = new(SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _stop = new();
        private readonly int _chunk;
        private readonly TimeSpan _every;
        private long _octets;
        private long _frames;
        private long _longestGapTicks;

        public SlowReader(int chunkBytes, TimeSpan every)
        {
            _chunk = chunkBytes;
            _every = every;
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        public long Octets => Interlocked.Read(ref _octets);

        public long Frames => Interlocked.Read(ref _frames);

        /// <summary>The longest time between two reads of a connection: over a SendTimeout, the reader itself paused that long (a starved test thread on a loaded machine).</summary>
        public TimeSpan LongestGap => TimeSpan.FromTicks(Interlocked.Read(ref _longestGapTicks));

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    Socket client = await _listener.AcceptAsync(_stop.Token);
                    _ = Task.Run(() => ServeAsync(client));
                }
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task ServeAsync(Socket client)
        {
            using Socket owned = client;
            byte[] buffer = new byte[_chunk];
            long frameLeft = 0;
            long length = 0;
            long lastRead = 0;
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    int read = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    long now = Stopwatch.GetTimestamp();
                    if (lastRead != 0)
                    {
                        long gap = Stopwatch.GetElapsedTime(lastRead, now).Ticks;
                        long seen;
                        while (gap > (seen = Interlocked.Read(ref _longestGapTicks)) && Interlocked.CompareExchange(ref _longestGapTicks, gap, seen) != seen)
                        {
                        }
                    }

                    lastRead = now;

                    Interlocked.Add(ref _octets, read);
                    for (int i = 0; i < read; i++)
                    {
                        if (frameLeft > 0)
                        {
                            if (--frameLeft == 0)
                            {
                                Interlocked.Increment(ref _frames);
                            }
                        }
                        else if (buffer[i] == (byte)' ')
                        {
                            frameLeft = length;
                            length = 0;
                        }
                        else
                        {
                            length = (length * 10) + (buffer[i] - '0');
                        }
                    }

                    await Task.Delay(_every, _stop.Token);
                }
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
