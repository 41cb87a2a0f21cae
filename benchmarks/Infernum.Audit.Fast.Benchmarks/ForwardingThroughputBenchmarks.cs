using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Infernum.Audit.Fast.Forwarding;
using Infernum.Audit.Fast.Forwarding.Syslog;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// The forwarder's own ceiling: a file of auth_success lines shipped from a fresh cursor over loopback TCP into a
/// receiver that reads and discards. The timed operation ends when the receiver has every octet of every frame.
/// Reported per line: lines/s = 1 / mean.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class ForwardingThroughputBenchmarks
{
    public const int Lines = 1_000_000;

    private string _folder = string.Empty;
    private string _path = string.Empty;
    private Socket _listener = null!;
    private Task _receiver = Task.CompletedTask;
    private long _received;
    private long _expected;
    private string _state = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "infernum-forward-bench-" + Guid.NewGuid().ToString("N"));
        _path = Path.Combine(_folder, "audit.jsonl");
        using (AuditLogger audit = new(AuditSink.ToFile(_path), null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) }))
        {
            for (int i = 0; i < Lines; i++)
            {
                audit.AuthSuccess("req-7f3a9c2e4b1d", "10.42.17.3", "sk-inf-4f9d8a7b6c5e4d3c2b1a", "/v1/chat/completions");
            }
        }

        // The octets the receiver must see: one octet-counted frame per line, formatted as the forwarder will.
        SyslogMessageWriter writer = new(13, 6, "bench", "infernum-audit", "1");
        byte[] frame = new byte[64 * 1024];
        foreach (string line in File.ReadLines(_path))
        {
            _expected += writer.WriteOctetCountedFrame(System.Text.Encoding.UTF8.GetBytes(line), frame);
        }

        _listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _receiver = Task.Run(ReceiveAsync);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [IterationSetup]
    public void FreshCursor()
    {
        _state = Path.Combine(_folder, "state-" + Guid.NewGuid().ToString("N"));
        Interlocked.Exchange(ref _received, 0);
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public long ShipOverLoopbackTcp()
    {
        using AuditForwarder forwarder = new(new AuditForwarderOptions
        {
            FilePath = _path,
            StateDirectory = _state,
            Host = "127.0.0.1",
            Port = ((IPEndPoint)_listener.LocalEndPoint!).Port,
            HostName = "bench",
            ProcId = "1",
            PollInterval = TimeSpan.FromMilliseconds(1),
        });
        using CancellationTokenSource stop = new();
        Task running = forwarder.RunAsync(stop.Token);
        while (Volatile.Read(ref _received) < _expected)
        {
            if (running.IsCompleted)
            {
                throw new InvalidOperationException("the forwarder stopped early");
            }

            Thread.Sleep(1);
        }

        stop.Cancel();
        running.GetAwaiter().GetResult();
        if (Volatile.Read(ref _received) != _expected || forwarder.Counters.Sent != Lines)
        {
            throw new InvalidOperationException($"received {_received} of {_expected} octets, sent {forwarder.Counters.Sent} of {Lines} lines");
        }

        return forwarder.Counters.Sent;
    }

    private async Task ReceiveAsync()
    {
        byte[] buffer = new byte[1 << 20];
        while (true)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync();
            }
            catch (Exception error) when (error is ObjectDisposedException or SocketException)
            {
                return;
            }

            using (connection)
            {
                int read;
                while ((read = await connection.ReceiveAsync(buffer)) > 0)
                {
                    Interlocked.Add(ref _received, read);
                }
            }
        }
    }
}
