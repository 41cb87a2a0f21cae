using System;
using System.IO;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// Where the generated <c>auth_success</c> spends its time, by building it up: the clock read alone; an event with
/// the same line as one constant (the clock, the thread's stage, the reservation, the timestamp text and the
/// publication); then one and four escaped strings; then the generated emitter itself, which adds the option and
/// null checks and the key prefix. Every event writes the same bytes as the generated one.
/// </summary>
[Config(typeof(CallerCostConfig))]
[MemoryDiagnoser]
public class BreakdownBenchmarks
{
    private const string RequestId = CallerCostBenchmarks.RequestId;
    private const string ClientIp = CallerCostBenchmarks.ClientIp;
    private const string Key = CallerCostBenchmarks.Key;
    private const string Endpoint = CallerCostBenchmarks.Endpoint;

    private AuditLogger _logger = null!;

    [GlobalSetup]
    public void Setup()
    {
        VerifySameLines();
        _logger = new AuditLogger(AuditSink.ToStream(Stream.Null));
    }

    [GlobalCleanup]
    public void Cleanup() => _logger.Dispose();

    [Benchmark(Baseline = true)]
    public long ClockOnly() => DateTime.UtcNow.Ticks;

    [Benchmark]
    public void ConstantLine() => WriteConstantLine(_logger);

    [Benchmark]
    public void OneString() => WriteOneString(_logger, RequestId);

    [Benchmark]
    public void FourStrings() => WriteFourStrings(_logger, RequestId, ClientIp, Key, Endpoint);

    [Benchmark]
    public void Generated() => _logger.AuthSuccess(RequestId, ClientIp, Key, Endpoint);

    // Each hand-written event must write the generated event's line (timestamps and seq aside), or the steps measure
    // something else.
    private static void VerifySameLines()
    {
        var output = new MemoryStream();
        using (var logger = new AuditLogger(AuditSink.ToStream(output)))
        {
            logger.AuthSuccess(RequestId, ClientIp, Key, Endpoint);
            WriteConstantLine(logger);
            WriteOneString(logger, RequestId);
            WriteFourStrings(logger, RequestId, ClientIp, Key, Endpoint);
        }

        string[] lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string expected = Body(lines[0]);
        if (lines.Length != 4 || Array.Exists(lines, line => Body(line) != expected))
        {
            throw new InvalidOperationException("The breakdown's events do not write the generated line:\n" + string.Join('\n', lines));
        }

        // From the event type to the seq: what the emitter writes after the timestamp.
        static string Body(string line) => line[line.IndexOf(",\"event_type\"", StringComparison.Ordinal)..line.LastIndexOf(",\"seq\"", StringComparison.Ordinal)];
    }

    // Out of line, as the generated emitters are. Constant text between two values is one copy, as the generator
    // writes it (a string's closing quote goes with the next field's name).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteConstantLine(AuditLogger logger)
    {
        if (!logger.TryBeginLine(160, out AuditLineWriter line))
        {
            return;
        }

        line.WriteLiteral(",\"event_type\":\"auth_success\",\"request_id\":\"req-7f3a9c2e4b1d\",\"client_ip\":\"10.42.17.3\",\"key_prefix\":\"sk-inf-4\",\"endpoint\":\"/v1/chat/completions\",\"success\":true"u8);
        line.Commit();
        logger.EndLine(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteOneString(AuditLogger logger, string requestId)
    {
        if (!logger.TryBeginLine(150 + AuditLineWriter.MaxBytes(requestId), out AuditLineWriter line))
        {
            return;
        }

        line.WriteLiteral(",\"event_type\":\"auth_success\",\"request_id\":\""u8);
        line.WriteString(requestId);
        line.WriteLiteral("\",\"client_ip\":\"10.42.17.3\",\"key_prefix\":\"sk-inf-4\",\"endpoint\":\"/v1/chat/completions\",\"success\":true"u8);
        line.Commit();
        logger.EndLine(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteFourStrings(AuditLogger logger, string requestId, string clientIp, string key, string endpoint)
    {
        long max = 110 + AuditLineWriter.MaxBytes(requestId) + AuditLineWriter.MaxBytes(clientIp)
            + AuditLineWriter.MaxKeyPrefixBytes(key, 8) + AuditLineWriter.MaxBytes(endpoint);
        if (!logger.TryBeginLine(max, out AuditLineWriter line))
        {
            return;
        }

        line.WriteLiteral(",\"event_type\":\"auth_success\",\"request_id\":\""u8);
        line.WriteString(requestId);
        line.WriteLiteral("\",\"client_ip\":\""u8);
        line.WriteString(clientIp);
        line.WriteLiteral("\",\"key_prefix\":\""u8);
        line.WriteKeyPrefix(key, 8);
        line.WriteLiteral("\",\"endpoint\":\""u8);
        line.WriteString(endpoint);
        line.WriteLiteral("\",\"success\":true"u8);
        line.Commit();
        logger.EndLine(ref line);
    }
}
