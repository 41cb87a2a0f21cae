using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>The file sink: append, repair of a crash leftover, seq continuation, rolling, and killed writers.</summary>
public sealed class FileSinkTests : IDisposable
{
    private readonly TempFolder _temp = new("infernum-file");

    public void Dispose() => _temp.Dispose();

    // A child process starting on another thread holds copies of this process's open files from its fork until its
    // exec closes them, the lock descriptions of a just-closed logger's file and lock file included: a logger opened on
    // the same path in that moment was refused as "another audit logger" (UntouchedFilesTests met it in CI while
    // logrotate started on another test's thread). Real children (`true`), started as fast as one thread can.
    [Fact]
    public void A_logger_reopened_while_another_thread_starts_processes_is_not_refused_as_a_second_writer()
    {
        string path = _temp.File("audit.jsonl");
        using var stop = new System.Threading.CancellationTokenSource();
        int started = 0;
        var spawner = new System.Threading.Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using Process child = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
                child.WaitForExit();
                started++;
            }
        });
        spawner.Start();
        var refused = new List<string>();
        try
        {
            for (int i = 0; i < 300; i++)
            {
                try
                {
                    using var logger = new AuditLogger(AuditSink.ToFile(path));
                    logger.AuthSuccess("req-" + i, null, "k", "/e");
                }
                catch (IOException e)
                {
                    refused.Add(e.Message);
                }
            }
        }
        finally
        {
            stop.Cancel();
            spawner.Join();
        }

        Assert.True(started > 10, $"only {started} children started");
        Assert.True(refused.Count == 0, $"{refused.Count} of 300 opens refused; first: {refused.FirstOrDefault()}");
        Assert.Equal(Enumerable.Range(1, 300 - refused.Count).Select(i => (long)i), AuditFile.Parse(File.ReadLines(path)).Select(e => e.Seq));
    }

    [Fact]
    public void Creates_the_folder_and_appends_across_loggers_continuing_seq()
    {
        string path = Path.Combine(_temp.Path, "nested", "audit.jsonl");
        using (var first = new AuditLogger(AuditSink.ToFile(path)))
        {
            first.AuthSuccess("a", null, "k", "/e");
            first.AuthSuccess("b", null, "k", "/e");
        }

        using (var second = new AuditLogger(AuditSink.ToFile(path)))
        {
            second.AuthSuccess("c", null, "k", "/e");
        }

        List<AuditFile.Entry> entries = AuditFile.Parse(File.ReadLines(path));
        Assert.Equal(new long[] { 1, 2, 3 }, entries.Select(e => e.Seq));
        Assert.Equal(new[] { "a", "b", "c" }, entries.Select(e => e.RequestId));
    }

    [Fact]
    public void Reopening_repairs_an_unterminated_last_line_reports_it_and_continues_after_the_last_complete_seq()
    {
        string path = Path.Combine(_temp.Path, "audit.jsonl");
        using (var logger = new AuditLogger(AuditSink.ToFile(path)))
        {
            logger.AuthSuccess("a", null, "k", "/e");
            logger.AuthSuccess("b", null, "k", "/e");
        }

        const string Torn = "{\"timestamp\":\"2026-11-27T00:00:00.0000000Z\",\"event_type\":\"auth_succ";
        File.AppendAllText(path, Torn);
        var repairs = new List<(string Path, long Bytes)>();
        using (var logger = new AuditLogger(AuditSink.ToFile(path, new AuditFileOptions { OnRepaired = (p, b) => repairs.Add((p, b)) })))
        {
            logger.AuthSuccess("c", null, "k", "/e");
        }

        (string repairedPath, long bytes) = Assert.Single(repairs);
        Assert.Equal(Path.GetFullPath(path), repairedPath);
        Assert.Equal(Encoding.UTF8.GetByteCount(Torn), bytes);
        List<AuditFile.Entry> entries = AuditFile.Parse(File.ReadLines(path));
        Assert.Equal(new long[] { 1, 2, 3 }, entries.Select(e => e.Seq));
    }

    [Fact]
    public void Rolls_by_size_keeping_the_retention_count_and_one_sequence()
    {
        string path = Path.Combine(_temp.Path, "audit.jsonl");
        var options = new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 2 };
        using (var logger = new AuditLogger(AuditSink.ToFile(path, options)))
        {
            for (int i = 0; i < 2_000; i++)
            {
                logger.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
                if (i % 100 == 0)
                {
                    logger.Flush(); // several batches, so rolling happens between them
                }
            }
        }

        string[] files = Directory.GetFiles(_temp.Path).Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal).ToArray()!;
        Assert.Equal(new[] { ".audit.jsonl.lock", "audit.1.jsonl", "audit.2.jsonl", "audit.jsonl" }, files);
        foreach (string file in files[1..])
        {
            Assert.True(new FileInfo(Path.Combine(_temp.Path, file)).Length <= 64 * 1024);
        }

        var seqs = new[] { "audit.2.jsonl", "audit.1.jsonl", "audit.jsonl" }
            .SelectMany(f => AuditFile.Parse(File.ReadLines(Path.Combine(_temp.Path, f))))
            .Select(e => e.Seq).ToList();
        Assert.Equal(2_000, seqs[^1]);
        Assert.Equal(Enumerable.Range((int)seqs[0], seqs.Count).Select(s => (long)s), seqs);

        // A new logger on the freshly rolled file continues the sequence.
        using (var next = new AuditLogger(AuditSink.ToFile(path, options)))
        {
            next.AuthSuccess("next", null, "k", "/e");
        }

        Assert.Equal(2_001, AuditFile.Parse(File.ReadLines(path)).Last().Seq);
    }

    [Fact]
    public void Options_are_validated_with_the_bad_value_named()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AuditFileOptions { MaxFileBytes = 10 });
        Assert.Equal("MaxFileBytes", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditFileOptions { RetainedFiles = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditDeliveryOptions { MaxBufferedBytes = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditDeliveryOptions { FullMode = (AuditFullMode)9 });
        Assert.Throws<ArgumentException>(() => AuditSink.ToFile(""));
    }

    [Fact]
    public void Killed_writers_leave_only_valid_lines_and_the_sequence_continues()
    {
        string path = Path.Combine(_temp.Path, "crash.jsonl");
        Directory.CreateDirectory(_temp.Path);
        var random = new Random(20261127);
        int unterminatedSeen = 0;
        for (int run = 0; run < 20; run++)
        {
            using Process child = CrashWriter.Start(path, count: null);
            Assert.Equal("ready", child.StandardOutput.ReadLine());
            System.Threading.Thread.Sleep(random.Next(5, 150));
            child.Kill(); // SIGKILL on Unix
            child.WaitForExit();

            unterminatedSeen += CheckCrashedFile(path) ? 1 : 0;
        }

        // A clean run after the crashes repairs the tail and continues the sequence.
        using (Process last = CrashWriter.Start(path, count: 1_000))
        {
            Assert.Equal("ready", last.StandardOutput.ReadLine());
            Assert.True(last.WaitForExit(60_000));
            Assert.Equal(0, last.ExitCode);
        }

        List<AuditFile.Entry> entries = AuditFile.Parse(File.ReadLines(path));
        Assert.Equal(0, AuditFile.AssertEverySeqAccounted(entries));
        Assert.True(entries.Count > 1_020, $"{entries.Count} lines");
        Assert.InRange(unterminatedSeen, 0, 20);
    }

    [Fact]
    public void The_standard_output_sink_writes_every_line_there()
    {
        using Process child = CrashWriter.Start("-", count: 2_000);
        string output = child.StandardOutput.ReadToEnd();
        Assert.True(child.WaitForExit(60_000));
        Assert.Equal(0, child.ExitCode);

        // The child's own "ready" line shares standard output with the audit lines.
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).ToArray();
        List<AuditFile.Entry> entries = AuditFile.Parse(lines);
        Assert.Equal(2_001, entries.Count); // the warm-up event, then the 2,000
        Assert.Equal(0, AuditFile.AssertEverySeqAccounted(entries));
        Assert.Contains("ready", output, StringComparison.Ordinal);
    }

    // Every line but an unterminated last one parses; returns whether such a tail was found.
    private static bool CheckCrashedFile(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        string complete = Encoding.UTF8.GetString(bytes, 0, end);
        foreach (string line in complete.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument _ = JsonDocument.Parse(line);
        }

        return end < bytes.Length;
    }
}
