using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Infernum.Audit.Fast.Evidence;
using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// What tamper evidence (a Merkle tree over every line, a signed checkpoint every 4,096 lines or second) costs the
/// caller of one auth_success, evidence off and on, both into a file; hashing runs on the sink's own thread and
/// signing on the writer thread, so the caller should not see them.
/// </summary>
/// <remarks>
/// Each operation is a burst of <see cref="Burst"/> events that fits in the buffer, started with the logger drained
/// (the iteration setup flushes), while the writer drains the burst on the other core. A loop without pauses would
/// instead measure how fast the sink takes lines: the caller would wait for room at the file's pace (a different
/// figure, in <see cref="FileThroughputBenchmarks"/>).
/// </remarks>
[Config(typeof(BurstConfig))]
[MemoryDiagnoser]
public class EvidenceCallerCostBenchmarks
{
    /// <summary>Events per operation: about 1 MiB of lines, a quarter of the default 4 MiB bound.</summary>
    public const int Burst = 4096;

    private string _folder = string.Empty;
    private NoteSigningKey _key = null!;
    private AuditLogger _logger = null!;
    private AuditSink? _unused;

    [Params(false, true)]
    public bool Evidence { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "infernum-bench-evidence-" + Guid.NewGuid().ToString("N"));
        _key = NoteSigningKey.Generate("bench.example/audit");
        // Both cases build both sinks, in the same order, and log into one: the heap below the logger is laid out the
        // same, so the cases differ only in the sink the lines go to. With only its own sink built, evidence's (about
        // 150 KiB more, its hashing buffers) put the logger's objects at other addresses, which alone moved the
        // caller's median by 0.6-1.5 ns in five runs, bursts of 1,024 events too (the writer then idle during them).
        AuditSink plain = AuditSink.ToFile(Path.Combine(_folder, "plain.jsonl"), EvidenceSinks.Bounded);
        AuditSink evidence = EvidenceSinks.Create(Path.Combine(_folder, "evidence.jsonl"), true, _key, EvidenceSinks.Bounded);
        _unused = Evidence ? plain : evidence;
        _logger = new AuditLogger(Evidence ? evidence : plain);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _logger.Dispose();
        _unused?.Dispose();
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>
    /// Drains the logger, then spins for 3 ms on this thread (both variants): the writer and, with evidence, the hashing
    /// thread finish the last burst (hashing 1 MiB takes about 1.2 ms), so a burst measures the caller alone, not the
    /// tail of the previous burst's work on the other core; spinning rather than sleeping keeps this core warm.
    /// </summary>
    [IterationSetup]
    public void Drain()
    {
        _logger.Flush();
        long until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 3 / 1000);
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
        }
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public void AuthSuccess()
    {
        AuditLogger logger = _logger;
        for (int i = 0; i < Burst; i++)
        {
            logger.AuthSuccess(CallerCostBenchmarks.RequestId, CallerCostBenchmarks.ClientIp, CallerCostBenchmarks.Key, CallerCostBenchmarks.Endpoint);
        }

        AuditCounters counters = logger.Counters;
        if (counters.Dropped != 0)
        {
            throw new InvalidOperationException($"{counters.Dropped} events dropped: the burst did not fit in the buffer.");
        }
    }
}

/// <summary>
/// Sustained single-producer auth_success into a file until every line is in it (the timed operation ends with the
/// logger's dispose: drain, closing checkpoint, fsync), evidence off and on. Events/s = 1 / mean.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class EvidenceThroughputBenchmarks
{
    private string _folder = string.Empty;
    private NoteSigningKey _key = null!;
    private AuditLogger _logger = null!;

    [Params(false, true)]
    public bool Evidence { get; set; }

    [GlobalSetup]
    public void GlobalSetup() => _key = NoteSigningKey.Generate("bench.example/audit");

    [GlobalCleanup]
    public void GlobalCleanup() => _key.Dispose();

    [IterationSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "infernum-bench-evidence-" + Guid.NewGuid().ToString("N"));
        _logger = new AuditLogger(EvidenceSinks.Create(Path.Combine(_folder, "audit.jsonl"), Evidence, _key, null));
    }

    [IterationCleanup]
    public void Cleanup()
    {
        long lines = File.ReadAllBytes(Path.Combine(_folder, "audit.jsonl")).AsSpan().Count((byte)'\n');
        Directory.Delete(_folder, recursive: true);
        if (lines < FileThroughputBenchmarks.EventsPerOperation)
        {
            throw new InvalidOperationException($"{lines} lines in the file, {FileThroughputBenchmarks.EventsPerOperation} logged");
        }
    }

    [Benchmark(OperationsPerInvoke = FileThroughputBenchmarks.EventsPerOperation)]
    public void AuthSuccessToFile()
    {
        AuditLogger logger = _logger;
        Thread producer = new(() =>
        {
            for (int i = 0; i < FileThroughputBenchmarks.EventsPerOperation; i++)
            {
                logger.AuthSuccess("req-7f3a9c2e4b1d", "10.42.17.3", "sk-inf-4f9d8a7b6c5e4d3c2b1a", "/v1/chat/completions");
            }
        });
        producer.Start();
        producer.Join();
        logger.Dispose();
    }
}

/// <summary>
/// The hashing thread's work per line: the RFC 9162 leaf hash of one auth_success line as the logger writes it
/// (SHA-256 over 0x00 and its 216 bytes: four 64-byte blocks with the padding) and one interior node (SHA-256 over
/// 65 bytes, two blocks; a tree of n leaves has n - 1),
/// through <see cref="Infernum.Audit.Fast.Evidence.Merkle.MerkleTree"/>, as the sink calls it.
/// </summary>
[Config(typeof(CallerCostConfig))]
public class MerkleHashingBenchmarks
{
    private readonly byte[] _line = System.Text.Encoding.UTF8.GetBytes(
        "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"req-7f3a9c2e4b1d\","
        + "\"client_ip\":\"10.42.17.3\",\"key_prefix\":\"sk-inf-4\",\"endpoint\":\"/v1/chat/completions\",\"success\":true,\"seq\":1234567}");

    private readonly byte[] _leaf = new byte[32];
    private readonly byte[] _node = new byte[32];

    [Benchmark]
    public byte LeafAndNodePerLine()
    {
        Infernum.Audit.Fast.Evidence.Merkle.MerkleTree.HashLeaf(_line, _leaf);
        Infernum.Audit.Fast.Evidence.Merkle.MerkleTree.HashChildren(_node, _leaf, _node);
        return _node[0];
    }
}

internal static class EvidenceSinks
{
    // Millions of caller-cost operations would fill the disk: both variants roll at 64 MiB and keep one rolled file.
    internal static readonly AuditFileOptions Bounded = new() { MaxFileBytes = 64 << 20, RetainedFiles = 1 };

    internal static AuditSink Create(string path, bool evidence, NoteSigningKey key, AuditFileOptions? files)
        => evidence ? AuditEvidence.ToFile(path, files, new AuditEvidenceOptions { SigningKey = key }) : AuditSink.ToFile(path, files ?? AuditFileOptions.Default);
}
