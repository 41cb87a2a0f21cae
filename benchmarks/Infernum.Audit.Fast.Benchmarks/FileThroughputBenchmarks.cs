using System;
using System.IO;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Infernum.Audit.Fast.Benchmarks.Contenders;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// Sustained end-to-end throughput: T producer threads log auth_success into a file until every line is in it
/// (the timed operation ends with the contender's dispose, which drains). Reported per event: events/s = 1 / mean.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class FileThroughputBenchmarks
{
    public const int EventsPerOperation = 200_000;

    private string _path = string.Empty;
    private IContender _contender = null!;

    [Params("Infernum", "SeedStyle", "LoggerMessage", "ZLogger", "Serilog", "NLog")]
    public string Contender { get; set; } = "Infernum";

    [Params(1, 2, 4)]
    public int Threads { get; set; }

    [IterationSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), "infernum-bench-" + Guid.NewGuid().ToString("N") + ".jsonl");
        _contender = Verifier.Create(Contender, Output.ToFile(_path));
    }

    [IterationCleanup]
    public void Cleanup()
    {
        long lines = CountLines(_path);
        File.Delete(_path);
        if (lines != EventsPerOperation)
        {
            throw new InvalidOperationException($"{Contender}: {lines} lines in the file, {EventsPerOperation} logged");
        }
    }

    [Benchmark(OperationsPerInvoke = EventsPerOperation)]
    public void AuthSuccessToFile()
    {
        IContender contender = _contender;
        int perThread = EventsPerOperation / Threads;
        var threads = new Thread[Threads];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < perThread; i++)
                {
                    contender.AuthSuccess("req-7f3a9c2e4b1d", "10.42.17.3", "sk-inf-4f9d8a7b6c5e4d3c2b1a", "/v1/chat/completions");
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        contender.Drain();
        contender.Dispose();
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
