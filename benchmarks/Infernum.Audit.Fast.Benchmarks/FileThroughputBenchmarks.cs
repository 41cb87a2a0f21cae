using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Infernum.Audit.Fast.Benchmarks.Contenders;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// Sustained throughput in steady state: T producer threads log auth_success into a file, and the timed operation
/// ends when every line of it is in the file (handed to the operating system). Reported per event: events/s = 1 / mean.
/// </summary>
/// <remarks>
/// The logger, its file and the producer threads are created once per case, outside the timed operations, so an
/// operation measures logging, not opening a file or starting a logger's threads. No contender fsyncs inside an
/// operation (the same policy for all: lines are in the page cache when it ends); disposal, with whatever fsync a
/// contender does there, happens after the last one. <c>Naive</c> is the floor: a hand-written writer that puts
/// constant UTF-8 segments and the values in a buffer and makes one <c>Write</c> per line under a lock.
/// <c>InfernumEvidence</c> is Infernum with tamper evidence on (a Merkle tree and signed checkpoints on the writer).
/// </remarks>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class FileThroughputBenchmarks
{
    public const int EventsPerOperation = 200_000;

    private string _path = string.Empty;
    private IContender _contender = null!;
    private Thread[] _producers = [];
    private Barrier _start = null!;
    private Barrier _done = null!;
    private volatile bool _stopping;
    private long _operations;

    /// <summary>Every contender, or those named in <c>INFERNUM_BENCH_CONTENDERS</c> (comma-separated) for a focused run.</summary>
    public static IEnumerable<string> Contenders
        => Environment.GetEnvironmentVariable("INFERNUM_BENCH_CONTENDERS") is { Length: > 0 } names
            ? names.Split(',')
            : ["Naive", "Infernum", "InfernumEvidence", "SeedStyle", "LoggerMessage", "ZLogger", "Serilog", "NLog"];

    /// <summary>1, 2 and 4 producers, or those in <c>INFERNUM_BENCH_THREADS</c> (comma-separated).</summary>
    public static IEnumerable<int> ThreadCounts
        => Environment.GetEnvironmentVariable("INFERNUM_BENCH_THREADS") is { Length: > 0 } counts
            ? counts.Split(',').Select(int.Parse)
            : [1, 2, 4];

    [ParamsSource(nameof(Contenders))]
    public string Contender { get; set; } = "Infernum";

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), "infernum-bench-" + Guid.NewGuid().ToString("N") + ".jsonl");
        _contender = Verifier.Create(Contender, Output.ToFile(_path));
        _start = new Barrier(Threads + 1);
        _done = new Barrier(Threads + 1);
        int perThread = EventsPerOperation / Threads;
        IContender contender = _contender;
        _producers = new Thread[Threads];
        for (int t = 0; t < _producers.Length; t++)
        {
            _producers[t] = new Thread(() =>
            {
                while (true)
                {
                    _start.SignalAndWait();
                    if (_stopping)
                    {
                        return;
                    }

                    for (int i = 0; i < perThread; i++)
                    {
                        contender.AuthSuccess("req-7f3a9c2e4b1d", "10.42.17.3", "sk-inf-4f9d8a7b6c5e4d3c2b1a", "/v1/chat/completions");
                    }

                    _done.SignalAndWait();
                }
            })
            { IsBackground = true, Name = "producer " + t };
            _producers[t].Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _start.SignalAndWait();
        foreach (Thread producer in _producers)
        {
            producer.Join();
        }

        _contender.Dispose();
        // With evidence the file also holds its start line and signed checkpoints, which are not events (no seq).
        long lines = Contender == "InfernumEvidence" ? CountEvents(_path) : CountLines(_path);
        File.Delete(_path);
        File.Delete(Path.Combine(Path.GetDirectoryName(_path)!, "." + Path.GetFileName(_path) + ".lock")); // Infernum's one-writer lock
        long logged = _operations * EventsPerOperation;
        if (lines != logged)
        {
            throw new InvalidOperationException($"{Contender}: {lines} lines in the file, {logged} logged");
        }
    }

    [Benchmark(OperationsPerInvoke = EventsPerOperation)]
    public void AuthSuccessToFile()
    {
        _start.SignalAndWait();
        _done.SignalAndWait();
        _operations++;
        _contender.Drain(_operations * EventsPerOperation);
    }

    private static long CountEvents(string path)
    {
        long events = 0;
        foreach (string line in File.ReadLines(path))
        {
            events += line.Contains("\"seq\":", StringComparison.Ordinal) ? 1 : 0;
        }

        return events;
    }

    private static long CountLines(string path)
    {
        long lines = 0;
        using FileStream stream = File.OpenRead(path);
        byte[] buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return lines;
    }
}
