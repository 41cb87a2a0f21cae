using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Forwarding.Files;
using Infernum.Audit.Fast.Forwarding.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

public sealed class AuditFileFollowerTests
{
    private static readonly List<AuditForwarderReport> s_ignored = [];

    // Reads everything the follower hands out until `until` says stop, as lines.
    private static List<string> Drain(AuditFileFollower follower, Func<List<string>, bool> until, TimeSpan timeout)
    {
        List<string> lines = [];
        Stopwatch clock = Stopwatch.StartNew();
        while (!until(lines))
        {
            Assert.True(clock.Elapsed < timeout, $"follower stalled after {lines.Count} lines");
            FollowerReadKind kind = follower.Read(out ReadOnlyMemory<byte> block, out _);
            if (kind == FollowerReadKind.Idle)
            {
                Thread.Sleep(2);
                continue;
            }

            Assert.Equal(FollowerReadKind.Lines, kind);
            foreach (string line in Encoding.UTF8.GetString(block.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static void Lock(List<AuditForwarderReport> reports, AuditForwarderReport report)
    {
        lock (reports)
        {
            reports.Add(report);
        }
    }

    private static List<string> LocalLines(string activePath)
    {
        List<string> lines = [];
        foreach (string file in new AuditFileSet(activePath).OldestFirst())
        {
            if (File.Exists(file))
            {
                lines.AddRange(File.ReadAllText(file).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return lines;
    }

    [Fact]
    public async Task It_follows_the_file_sinks_rolls_while_the_logger_writes_and_reads_every_line_once_in_order()
    {
        using TempFolder folder = new("follow-sink");
        string path = folder.File("audit.jsonl");
        const int events = 60_000;
        List<AuditForwarderReport> reports = [];
        using AuditFileFollower follower = new(path, 64 * 1024, r => Lock(reports, r));
        follower.Seek(null);

        Task writer = Task.Run(async () =>
        {
            await using AuditLogger audit = new(AuditSink.ToFile(path, new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 10_000 }));
            for (int i = 0; i < events; i++)
            {
                audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefgh", "/v1/chat/completions");
                if (i % 5000 == 0)
                {
                    await audit.FlushAsync();
                }
            }
        });

        List<string> read = Drain(follower, lines => lines.Count >= events, TimeSpan.FromSeconds(60));
        await writer;
        Assert.True(Directory.GetFiles(folder.Path, "audit.*.jsonl").Length > 50, "the sink rolled");
        Assert.Equal(LocalLines(path), read);
        Assert.Empty(reports);
    }

    // The sink's roll is not atomic: audit.N.jsonl moves to audit.N+1.jsonl one file at a time, then audit.jsonl to
    // audit.1.jsonl. Here each step of the roll is slowed down and the follower lags, so it finishes files while a
    // roll is half done and while several rolls pass between two of its listings.
    [Fact]
    public void It_picks_the_file_that_continues_the_sequence_while_a_roll_is_half_done()
    {
        using TempFolder folder = new("follow-half-roll");
        string path = folder.File("audit.jsonl");
        const int rolls = 80;
        const int linesPerFile = 20;
        string Rolled(int n) => folder.File("audit." + n + ".jsonl");
        static string Line(long seq) => "{\"event\":\"auth.success\",\"pad\":\"" + new string('x', 40) + "\",\"seq\":" + seq + "}";

        File.WriteAllText(path, string.Empty);
        List<AuditForwarderReport> reports = [];
        using AuditFileFollower follower = new(path, 256, r => Lock(reports, r));
        follower.Seek(null);
        Thread roller = new(() =>
        {
            long seq = 0;
            for (int r = 0; r < rolls; r++)
            {
                using (StreamWriter w = new(path, append: true))
                {
                    for (int i = 0; i < linesPerFile; i++)
                    {
                        w.Write(Line(++seq) + "\n");
                    }
                }

                for (int n = r; n >= 1; n--)
                {
                    File.Move(Rolled(n), Rolled(n + 1));
                    Thread.Sleep(n % 4 == 0 ? 1 : 0);
                }

                File.Move(path, Rolled(1));
                File.WriteAllText(path, string.Empty);
            }
        });
        roller.Start();

        List<long> seqs = [];
        Random lag = new(19);
        Stopwatch clock = Stopwatch.StartNew();
        while (seqs.Count < rolls * linesPerFile && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (follower.Read(out ReadOnlyMemory<byte> block, out _) == FollowerReadKind.Lines)
            {
                foreach (string line in Encoding.UTF8.GetString(block.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    seqs.Add(long.Parse(line[(line.LastIndexOf(':') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            Thread.Sleep(lag.Next(3));
        }

        roller.Join();
        long[] expected = new long[rolls * linesPerFile];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = i + 1;
        }

        Assert.Equal(expected, seqs);
        Assert.Empty(reports);
    }

    [Fact]
    public void A_position_survives_a_roll_that_renamed_its_file()
    {
        using TempFolder folder = new("follow-rename");
        string path = folder.File("audit.jsonl");
        File.WriteAllText(path, "{\"seq\":1}\n{\"seq\":2}\n");
        AuditFilePosition afterFirst;
        using (AuditFileFollower first = new(path, 4096, _ => { }))
        {
            first.Seek(null);
            Assert.Equal(FollowerReadKind.Lines, first.Read(out ReadOnlyMemory<byte> block, out AuditFilePosition start));
            afterFirst = start with { Offset = start.Offset + "{\"seq\":1}\n".Length };
        }

        // The sink rolls: audit.jsonl becomes audit.1.jsonl, a new audit.jsonl starts.
        File.Move(path, folder.File("audit.1.jsonl"));
        File.WriteAllText(path, "{\"seq\":3}\n");

        using AuditFileFollower second = new(path, 4096, _ => { });
        second.Seek(afterFirst);
        List<string> lines = Drain(second, l => l.Count >= 2, TimeSpan.FromSeconds(5));
        Assert.Equal(["{\"seq\":2}", "{\"seq\":3}"], lines);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("copytruncate")]
    public void It_follows_logrotate_while_lines_are_appended(string mode)
    {
        using TempFolder folder = new("follow-logrotate-" + mode);
        string path = folder.File("audit.jsonl");
        string config = folder.File("logrotate.conf");
        File.WriteAllText(config, $"{path} {{\n  rotate 1000\n  {mode}\n  missingok\n  nocompress\n}}\n");
        File.WriteAllText(path, "");
        List<AuditForwarderReport> reports = [];
        using AuditFileFollower follower = new(path, 4096, r => Lock(reports, r));
        follower.Seek(null);

        List<string> read = [];
        int written = 0;
        for (int round = 0; round < 8; round++)
        {
            using (FileStream stream = new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                for (int i = 0; i < 500; i++)
                {
                    written++;
                    stream.Write(Encoding.UTF8.GetBytes("{\"timestamp\":\"2026-11-30T10:00:00Z\",\"event_type\":\"e\",\"seq\":" + written + "}\n"));
                }
            }

            // Read part of it, then rotate with the real logrotate, then carry on.
            read.AddRange(Drain(follower, l => l.Count >= 100, TimeSpan.FromSeconds(5)));
            RunLogrotate(config, folder.File("state"));
        }

        read.AddRange(Drain(follower, l => read.Count + l.Count >= written, TimeSpan.FromSeconds(10)));
        Assert.Equal(written, read.Count);
        for (int i = 0; i < read.Count; i++)
        {
            Assert.EndsWith("\"seq\":" + (i + 1) + "}", read[i], StringComparison.Ordinal);
        }

        Assert.True(File.Exists(path + ".8"), "logrotate rotated eight times");
        Assert.Empty(reports);
    }

    [Fact]
    public async Task A_torn_tail_the_restarted_sink_cuts_off_is_never_handed_out_and_the_lines_written_in_its_place_are()
    {
        using TempFolder folder = new("follow-repair");
        string path = folder.File("audit.jsonl");
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 3; i++)
            {
                audit.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefgh", "/v1/models");
            }
        }

        // A crash left half a line.
        File.AppendAllText(path, "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_success\",\"request_id\":\"torn");
        List<AuditForwarderReport> reports = [];
        using AuditFileFollower follower = new(path, 4096, r => Lock(reports, r));
        follower.Seek(null);
        List<string> read = Drain(follower, l => l.Count >= 3, TimeSpan.FromSeconds(5));
        Assert.Equal(FollowerReadKind.Idle, follower.Read(out _, out _));

        // The logger restarts: the sink cuts the torn tail and writes new lines where it was.
        await using (AuditLogger audit = new(AuditSink.ToFile(path)))
        {
            for (int i = 0; i < 5; i++)
            {
                audit.AuthFailure("req-after-" + i, "10.0.0.2", "/v1/models", "bad key");
            }
        }

        read.AddRange(Drain(follower, l => l.Count >= 5, TimeSpan.FromSeconds(5)));
        Assert.Equal(File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries), read);
        Assert.DoesNotContain(read, line => line.Contains("torn", StringComparison.Ordinal));
        Assert.Empty(reports);
    }

    [Fact]
    public void A_line_longer_than_the_buffer_comes_in_parts_and_the_next_line_whole()
    {
        using TempFolder folder = new("follow-long");
        string path = folder.File("audit.jsonl");
        string longLine = "{\"details\":\"" + new string('x', 10_000) + "\",\"seq\":1}";
        File.WriteAllText(path, longLine + "\n{\"seq\":2}\n");
        using AuditFileFollower follower = new(path, 4096, _ => { });
        follower.Seek(null);
        StringBuilder parts = new();
        FollowerReadKind kind;
        do
        {
            kind = follower.Read(out ReadOnlyMemory<byte> block, out _);
            Assert.NotEqual(FollowerReadKind.Idle, kind);
            parts.Append(Encoding.UTF8.GetString(block.Span));
        }
        while (kind == FollowerReadKind.LongLinePart);

        Assert.Equal(FollowerReadKind.LongLineEnd, kind);
        Assert.Equal(longLine + "\n", parts.ToString());
        Assert.Equal(FollowerReadKind.Lines, follower.Read(out ReadOnlyMemory<byte> next, out _));
        Assert.Equal("{\"seq\":2}\n", Encoding.UTF8.GetString(next.Span));
    }

    private static void RunLogrotate(string config, string state)
    {
        using Process process = Process.Start(new ProcessStartInfo("logrotate", ["-f", "-s", state, config]) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "logrotate failed: " + error);
    }
}
