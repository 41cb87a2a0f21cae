using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Infernum.Audit.Fast;

// A simulated inference server's auth path: T threads push N requests through the audit logger with a
// realistic mix of events, then the file is read back and checked. Exit code 0 only if every check passes.
internal static class Program
{
    private static readonly string[] s_eventNames =
    {
        "auth_success", "auth_failure", "auth_expired", "auth_disabled", "scope_violation",
        "rate_limited", "model_load", "model_unload", "key_created", "key_revoked",
    };

    private const int LatencySampleEvery = 256;

    private static async Task<int> Main(string[] args)
    {
        var requestsOption = new Option<long>("--requests", "-n")
        {
            Description = "Requests to simulate, at least 1 (underscores allowed: 2_000_000)",
            DefaultValueFactory = _ => 2_000_000,
            CustomParser = result => ParseWhole(result, "--requests", 1, long.MaxValue),
        };
        var threadsOption = new Option<int>("--threads", "-t")
        {
            Description = "Producer threads, 1 to 1024 (default: the processor count)",
            DefaultValueFactory = _ => Environment.ProcessorCount,
            CustomParser = result => (int)ParseWhole(result, "--threads", 1, 1024),
        };
        var outputOption = new Option<string>("--output", "-o")
        {
            Description = "The audit file to write; an existing file there is replaced",
            DefaultValueFactory = _ => "audit.jsonl",
        };
        var root = new RootCommand("A simulated inference server's auth path: threads push requests through the audit logger, then the file is read back and checked. Exit code 0 only if every check passes.")
        {
            requestsOption, threadsOption, outputOption,
        };

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, the first problem: the usage is one --help away.
            Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see --help)");
            return 2;
        }

        if (parsed.Action is HelpAction || parsed.Action?.GetType().Name == "VersionOptionAction")
        {
            return parsed.Invoke();
        }

        long requests = parsed.GetValue(requestsOption);
        int threads = parsed.GetValue(threadsOption);
        string output = Path.GetFullPath(parsed.GetValue(outputOption)!);
        if (Directory.Exists(output))
        {
            Console.Error.WriteLine($"error: --output {output} is a folder; give a file path (see --help)");
            return 2;
        }

        bool replaced = File.Exists(output);
        if (replaced)
        {
            File.Delete(output); // the file sink appends; the demo starts from an empty file
        }

        Console.WriteLine($"Infernum.Audit.Fast demo: {requests:N0} requests on {threads} threads, writing {output}{(replaced ? " (replacing the file that was there)" : string.Empty)}");

        var data = new RequestData(4096);
        var workers = new Worker[threads];
        for (int t = 0; t < threads; t++)
        {
            long share = (requests / threads) + (t < requests % threads ? 1 : 0);
            workers[t] = new Worker(t, share, data);
        }

        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        var logger = new AuditLogger(AuditSink.ToFile(output));
        using var start = new Barrier(threads + 1);
        var running = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            Worker worker = workers[t];
            running[t] = new Thread(() => worker.Run(logger, start)) { Name = "auth-path-" + t };
            running[t].Start();
        }

        start.SignalAndWait();
        clock.Restart();
        // On a terminal the progress line is redrawn in place; into a file or pipe a new line is written every 5 s.
        bool terminal = !Console.IsOutputRedirected;
        var sinceProgress = Stopwatch.StartNew();
        foreach (Thread thread in running)
        {
            while (!thread.Join(500))
            {
                if (terminal)
                {
                    Console.Write($"\r  {logger.Counters.Offered:N0} / {requests:N0} events logged, {logger.Counters.Written:N0} written ...");
                }
                else if (sinceProgress.Elapsed >= TimeSpan.FromSeconds(5))
                {
                    Console.WriteLine($"  {clock.Elapsed.TotalSeconds:F0} s: {logger.Counters.Offered:N0} / {requests:N0} events logged, {logger.Counters.Written:N0} written");
                    sinceProgress.Restart();
                }
            }
        }

        TimeSpan producing = clock.Elapsed;
        await logger.DisposeAsync();
        TimeSpan total = clock.Elapsed;
        AuditCounters counters = logger.Counters;
        int collections = GC.CollectionCount(0) - gen0 + GC.CollectionCount(1) - gen1 + GC.CollectionCount(2) - gen2;
        Console.WriteLine($"{(terminal ? "\r" : string.Empty)}  {counters.Offered:N0} / {requests:N0} events logged, {counters.Written:N0} written to {output}.{(terminal ? "          " : string.Empty)}");

        long[] byType = new long[s_eventNames.Length];
        long allocated = 0;
        var latencies = new System.Collections.Generic.List<long>();
        foreach (Worker worker in workers)
        {
            for (int i = 0; i < byType.Length; i++)
            {
                byType[i] += worker.ByType[i];
            }

            allocated += worker.AllocatedBytes;
            latencies.AddRange(worker.Latencies[..worker.LatencyCount]);
        }

        latencies.Sort();
        long fileBytes = new FileInfo(output).Length;
        Console.WriteLine();
        Console.WriteLine($"  events logged, by type ({fileBytes:N0} bytes in {output})");
        for (int i = 0; i < byType.Length; i++)
        {
            Console.WriteLine($"  {s_eventNames[i],-16} {byType[i],10:N0}");
        }

        Console.WriteLine();
        Console.WriteLine($"  time until the producer threads were done          {producing.TotalSeconds,10:F3} s");
        Console.WriteLine($"  time until every line was in the file (fsynced)    {total.TotalSeconds,10:F3} s");
        Console.WriteLine($"  throughput into the file, events/s                 {requests / total.TotalSeconds,10:N0}");
        Console.WriteLine($"  throughput into the file, MB/s (10^6 bytes)        {fileBytes / total.TotalSeconds / 1e6,10:F1}");
        Console.WriteLine($"  bytes allocated per event on the producer threads  {(double)allocated / requests,10:F3}");
        Console.WriteLine($"  GC collections during the run (all generations)    {collections,10}");
        Console.WriteLine($"  {"time one event call took, p50 (1 call in " + LatencySampleEvery + " timed)",-51}{Percentile(latencies, 0.50),10:F0} ns");
        Console.WriteLine($"  time one event call took, p99                      {Percentile(latencies, 0.99),10:F0} ns");
        Console.WriteLine($"  time one event call took, p99.9                    {Percentile(latencies, 0.999),10:F0} ns");
        Console.WriteLine($"  events dropped / sink write errors                 {counters.Dropped,10:N0} / {counters.WriteErrors:N0}");
        Console.WriteLine();

        return Verify(output, requests, byType, counters) ? 0 : 1;
    }

    // A bad value is an error of the parse, reported as one line: never an exception.
    private static long ParseWhole(ArgumentResult result, string option, long min, long max)
    {
        string text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (!long.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            || value < min || value > max)
        {
            result.AddError(max == long.MaxValue
                ? $"{option} must be a whole number of at least {min}, not '{text}'."
                : $"{option} must be a whole number from {min} to {max}, not '{text}'.");
            return min;
        }

        return value;
    }

    private static bool Verify(string path, long requests, long[] expectedByType, AuditCounters counters)
    {
        long[] found = new long[expectedByType.Length];
        long lines = 0, malformed = 0, seqBreaks = 0, previousSeq = 0;
        foreach (string line in File.ReadLines(path))
        {
            lines++;
            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                long seq = document.RootElement.GetProperty("seq").GetInt64();
                seqBreaks += seq == previousSeq + 1 ? 0 : 1;
                previousSeq = seq;
                int type = Array.IndexOf(s_eventNames, document.RootElement.GetProperty("event_type").GetString());
                if (type < 0)
                {
                    malformed++;
                }
                else
                {
                    found[type]++;
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
            {
                malformed++;
            }
        }

        bool ok = true;
        ok &= Check(lines == requests, $"{lines:N0} lines in the file, {requests:N0} requests made");
        ok &= Check(malformed == 0, $"{malformed:N0} malformed lines");
        ok &= Check(seqBreaks == 0 && previousSeq == requests, $"seq runs 1…{previousSeq:N0} with {seqBreaks:N0} gaps or repeats");
        bool countsMatch = true;
        for (int i = 0; i < found.Length; i++)
        {
            countsMatch &= found[i] == expectedByType[i];
        }

        ok &= Check(countsMatch, "counts by event type match what the threads logged");
        ok &= Check(counters.Dropped == 0 && counters.Written == requests, $"logger counters: {counters.Written:N0} written, {counters.Dropped:N0} dropped");
        Console.WriteLine(ok ? "VERDICT: PASS" : "VERDICT: FAIL");
        return ok;
    }

    private static bool Check(bool condition, string what)
    {
        Console.WriteLine($"  [{(condition ? "ok" : "FAIL")}] {what}");
        return condition;
    }

    private static double Percentile(System.Collections.Generic.List<long> sortedTicks, double p)
        => sortedTicks.Count == 0 ? 0 : sortedTicks[(int)Math.Min(sortedTicks.Count - 1, p * sortedTicks.Count)] * 1e9 / Stopwatch.Frequency;

    /// <summary>Pre-built request ids, addresses and keys, so the loop measures the audit path, not string building.</summary>
    private sealed class RequestData
    {
        public RequestData(int size)
        {
            RequestIds = new string[size];
            ClientIps = new string[size];
            Keys = new string[size];
            var random = new Random(42);
            for (int i = 0; i < size; i++)
            {
                RequestIds[i] = "req-" + Guid.NewGuid().ToString("N")[..16];
                ClientIps[i] = $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}";
                Keys[i] = "sk-inf-" + Guid.NewGuid().ToString("N");
            }
        }

        public string[] RequestIds { get; }

        public string[] ClientIps { get; }

        public string[] Keys { get; }
    }

    private sealed class Worker
    {
        private readonly int _id;
        private readonly long _count;
        private readonly RequestData _data;

        public Worker(int id, long count, RequestData data)
        {
            _id = id;
            _count = count;
            _data = data;
            Latencies = new long[(count / LatencySampleEvery) + 1];
        }

        public long[] ByType { get; } = new long[s_eventNames.Length];

        public long AllocatedBytes { get; private set; }

        public long[] Latencies { get; }

        public int LatencyCount { get; private set; }

        public void Run(AuditLogger logger, Barrier start)
        {
            start.SignalAndWait();
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            int mask = _data.RequestIds.Length - 1;
            for (long i = 0; i < _count; i++)
            {
                int slot = (int)((i * 7) + _id) & mask;
                string requestId = _data.RequestIds[slot];
                string ip = _data.ClientIps[slot];
                string key = _data.Keys[slot];
                bool sample = i % LatencySampleEvery == 0;
                long before = sample ? Stopwatch.GetTimestamp() : 0;
                int type = LogOne(logger, i % 1000, requestId, ip, key);
                if (sample)
                {
                    Latencies[LatencyCount++] = Stopwatch.GetTimestamp() - before;
                }

                ByType[type]++;
            }

            AllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        }

        // The mix of an API server under normal load: mostly valid keys, a tail of failures and admin actions.
        private static int LogOne(AuditLogger logger, long roll, string requestId, string ip, string key)
        {
            switch (roll)
            {
                case < 900:
                    logger.AuthSuccess(requestId, ip, key, "/v1/chat/completions");
                    return 0;
                case < 940:
                    logger.AuthFailure(requestId, ip, "invalid_key", "/v1/chat/completions");
                    return 1;
                case < 955:
                    logger.AuthExpired(requestId, ip, key, "/v1/completions");
                    return 2;
                case < 965:
                    logger.AuthDisabled(requestId, ip, key, "/v1/embeddings");
                    return 3;
                case < 980:
                    logger.ScopeViolation(requestId, ip, key, "/api/models/load", "models:admin");
                    return 4;
                case < 994:
                    logger.RateLimited(requestId, ip, key, "/v1/chat/completions");
                    return 5;
                case < 996:
                    logger.ModelLoad(requestId, ip, key, "llama-3.1-8b-instruct", true);
                    return 6;
                case < 998:
                    logger.ModelUnload(requestId, ip, key, "llama-3.1-8b-instruct", true);
                    return 7;
                case < 999:
                    logger.KeyCreated(requestId, ip, key, "sk-inf-9f3a");
                    return 8;
                default:
                    logger.KeyRevoked(requestId, ip, key, "sk-inf-1c2d");
                    return 9;
            }
        }
    }
}
