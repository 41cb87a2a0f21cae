using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Tests;

/// <summary>
/// The file sink against other programs touching its file: a second writer, truncation, rename, delete, logrotate,
/// a roll whose rename is refused, and reopening after logrotate.
/// </summary>
public sealed class FileRotationTests : IDisposable
{
    private readonly TempFolder _temp = new("infernum-rotation");
    private readonly ITestOutputHelper _output;

    public FileRotationTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_temp.Path);
    }

    public void Dispose() => _temp.Dispose();

    private string AuditPath => _temp.File("audit.jsonl");

    [Fact]
    public void A_second_logger_on_the_same_path_in_this_process_fails_at_open_and_the_first_keeps_every_line()
    {
        using (var first = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            IOException error = Assert.Throws<IOException>(() => new AuditLogger(AuditSink.ToFile(AuditPath)));
            Assert.Contains("Another audit logger", error.Message, StringComparison.Ordinal);
            Log(first, 1_000);
        }

        // Once the first is disposed the path is free again, and the sequence continues.
        using (var second = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(second, 1_000);
        }

        List<AuditFile.Entry> entries = Entries(AuditPath);
        Assert.Equal(2_000, entries.Count);
        Assert.Equal(0, AuditFile.AssertEverySeqAccounted(entries));
    }

    [Theory]
    [InlineData("hard")]
    [InlineData("symbolic")]
    public void A_second_logger_on_the_same_file_through_a_link_fails_at_open_and_the_first_keeps_every_line(string link)
    {
        // Attack F2: `ln audit.jsonl hard.jsonl` (or `ln -s`), ToFile each: both opened and wrote duplicate seq.
        string other = _temp.File("other.jsonl");
        using (var first = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(first, 10);
            first.Flush();
            Assert.True(link == "hard" ? Run("ln", AuditPath, other) : Run("ln", "-s", AuditPath, other));
            Assert.Throws<IOException>(() => AuditSink.ToFile(other));
            Log(first, 10);
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), Entries(AuditPath).Select(e => e.Seq));
    }

    [Fact]
    public void A_second_writer_in_another_process_through_a_hard_link_fails_at_open()
    {
        using Process child = CrashWriter.Start(AuditPath, count: null);
        Assert.Equal("ready", child.StandardOutput.ReadLine());
        try
        {
            string other = _temp.File("hard.jsonl");
            Assert.True(Run("ln", AuditPath, other));
            IOException error = Assert.Throws<IOException>(() => AuditSink.ToFile(other));
            Assert.Contains("hard link", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Fact]
    public void A_second_writer_in_another_process_fails_at_open_and_the_path_is_free_once_that_process_is_killed()
    {
        using Process child = CrashWriter.Start(AuditPath, count: null);
        Assert.Equal("ready", child.StandardOutput.ReadLine());
        try
        {
            IOException error = Assert.Throws<IOException>(() => AuditSink.ToFile(AuditPath));
            Assert.Contains("Another audit logger", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }

        // The kernel drops the lock with the process; the next writer repairs the tail and continues.
        using (var next = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(next, 10);
        }

        Assert.Equal(0, AuditFile.AssertEverySeqAccounted(Entries(AuditPath)));
    }

    [Fact]
    public void A_file_truncated_under_the_logger_gets_the_next_lines_at_its_new_end_with_no_NUL_hole()
    {
        string copy = _temp.File("audit.jsonl.copy");
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 1_000);
            logger.Flush();
            File.Copy(AuditPath, copy);
            using (var other = new FileStream(AuditPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                other.SetLength(0); // what logrotate's copytruncate does
            }

            Log(logger, 1_000);
        }

        byte[] bytes = File.ReadAllBytes(AuditPath);
        Assert.DoesNotContain((byte)0, bytes);
        List<AuditFile.Entry> after = Entries(AuditPath);
        Assert.Equal(Enumerable.Range(1_001, 1_000).Select(i => (long)i), after.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1, 1_000).Select(i => (long)i), Entries(copy).Select(e => e.Seq));
    }

    [Fact]
    public void Lines_another_program_appends_between_batches_are_kept_and_the_logger_continues_after_them()
    {
        const string Theirs = "{\"event_type\":\"written_by_another_program\"}";
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 100);
            logger.Flush();
            File.AppendAllText(AuditPath, Theirs + "\n"); // e.g. echo >> audit.jsonl
            Log(logger, 100);
        }

        string[] lines = File.ReadAllLines(AuditPath);
        Assert.Equal(201, lines.Length);
        Assert.Equal(Theirs, lines[100]);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), AuditFile.Parse(lines.Where(l => l != Theirs)).Select(e => e.Seq));
    }

    public enum Move
    {
        RenameAndCreate,
        RenameOnly,
        Delete,
        TruncateToHalfALine,
    }

    [Theory]
    [InlineData(Move.RenameAndCreate)]
    [InlineData(Move.RenameOnly)]
    [InlineData(Move.Delete)]
    [InlineData(Move.TruncateToHalfALine)]
    public void A_file_moved_away_under_the_logger_is_noticed_and_the_next_lines_go_to_the_configured_path(Move move)
    {
        string rotated = AuditPath + ".1";
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 500);
            logger.Flush();
            switch (move)
            {
                case Move.RenameAndCreate:
                    File.Move(AuditPath, rotated);
                    File.WriteAllBytes(AuditPath, []);
                    break;
                case Move.RenameOnly:
                    File.Move(AuditPath, rotated);
                    break;
                case Move.Delete:
                    File.Delete(AuditPath);
                    break;
                case Move.TruncateToHalfALine:
                    using (var other = new FileStream(AuditPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                    {
                        other.SetLength(100); // not at a line's end: the sink continues after the last complete line
                    }

                    break;
            }

            Log(logger, 500);
        }

        Assert.DoesNotContain((byte)0, File.ReadAllBytes(AuditPath));
        List<AuditFile.Entry> current = Entries(AuditPath);
        Assert.Equal(Enumerable.Range(501, 500).Select(i => (long)i), current.Select(e => e.Seq));
        if (move is Move.RenameAndCreate or Move.RenameOnly)
        {
            Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), Entries(rotated).Select(e => e.Seq));
        }
    }

    [Fact]
    public void A_file_deleted_again_and_again_while_events_flow_loses_no_line_of_the_last_file()
    {
        using var logger = new AuditLogger(AuditSink.ToFile(AuditPath));
        long logged = 0;
        for (int round = 0; round < 20; round++)
        {
            Log(logger, 100);
            logged += 100;
            logger.Flush();
            File.Delete(AuditPath);
        }

        Log(logger, 100);
        logger.Flush();
        Assert.Equal(Enumerable.Range((int)logged + 1, 100).Select(i => (long)i), Entries(AuditPath).Select(e => e.Seq));
        Assert.Equal(logged + 100, logger.Counters.Written);
        Assert.Equal(0, logger.Counters.WriteErrors);
    }

    [Fact]
    public void A_folder_deleted_with_the_file_and_its_lock_is_made_again_and_the_lock_taken_again()
    {
        string path = _temp.File("logs", "audit.jsonl");
        using (var logger = new AuditLogger(AuditSink.ToFile(path)))
        {
            Log(logger, 500);
            logger.Flush();
            Directory.Delete(_temp.File("logs"), recursive: true); // rm -r logs/
            Log(logger, 500);
            logger.Flush();

            // The lock moved with the logger: a second writer still fails.
            Assert.Throws<IOException>(() => AuditSink.ToFile(path));
        }

        Assert.Equal(Enumerable.Range(501, 500).Select(i => (long)i), Entries(path).Select(e => e.Seq));
    }

    [Fact]
    public void A_full_disk_cuts_each_failed_write_back_to_a_line_end_and_writes_everything_once_when_room_returns()
    {
        // A real full file system: a 512 KiB tmpfs (the tests run as root; elsewhere the mount is refused).
        string mountPoint = _temp.File("small");
        Directory.CreateDirectory(mountPoint);
        if (!Run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint))
        {
            _output.WriteLine("SKIPPED: cannot mount a tmpfs here (needs root)");
            return;
        }

        try
        {
            string path = Path.Combine(mountPoint, "audit.jsonl");
            string filler = Path.Combine(mountPoint, "filler");
            File.WriteAllBytes(filler, new byte[400 * 1024]);
            using var logger = new AuditLogger(AuditSink.ToFile(path));
            Log(logger, 1_500); // ~320 KB: more than the room left
            Assert.True(SpinWait.SpinUntil(() => logger.Counters.WriteErrors >= 3, TimeSpan.FromSeconds(30)), "the disk never filled");
            Assert.Equal(AuditSinkHealth.Retrying, logger.SinkHealth); // stored before the error is counted

            File.Delete(filler);
            logger.Flush();
            Assert.Equal(1_500, logger.Counters.Written);
            byte[] bytes = File.ReadAllBytes(path);
            Assert.DoesNotContain((byte)0, bytes);
            Assert.Equal(Enumerable.Range(1, 1_500).Select(i => (long)i), Entries(path).Select(e => e.Seq));
        }
        finally
        {
            Run("umount", "-l", mountPoint);
        }
    }

    [Theory]
    [InlineData("audit.1.jsonl", 3, 0)] // the rename's target is a folder
    [InlineData("audit.2.jsonl", 2, 1)] // the oldest, to be deleted, is a folder (and .1 must shift onto it)
    public async Task A_roll_refused_by_a_folder_in_the_way_keeps_the_file_open_retries_and_writes_every_line(string squatter, int retained, int existingRolled)
    {
        for (int i = 1; i <= existingRolled; i++)
        {
            File.WriteAllText(_temp.File("audit." + i + ".jsonl"), string.Empty);
        }

        string folder = _temp.File(squatter);
        Directory.CreateDirectory(folder);
        var faults = new List<AuditSinkFault>();
        var options = new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = retained };
        await using var logger = new AuditLogger(AuditSink.ToFile(AuditPath, options), null, new AuditDeliveryOptions { OnSinkFault = f => { lock (faults) { faults.Add(f); } } });
        for (int i = 0; i < 600; i++)
        {
            logger.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
        }

        // The roll is refused (and counted) before the folder goes, however late the writer gets to it.
        Assert.True(SpinWait.SpinUntil(() => logger.Counters.WriteErrors > 0, TimeSpan.FromSeconds(30)), "the roll was never refused");
        Assert.Equal(AuditSinkHealth.Retrying, logger.SinkHealth);
        Directory.Delete(folder);
        await logger.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(600, logger.Counters.Written);
        Assert.Equal(0, logger.Counters.Dropped);
        Assert.True(logger.Counters.WriteErrors > 0);
        Assert.Equal(AuditSinkHealth.Healthy, logger.SinkHealth);
        lock (faults)
        {
            Assert.Contains(faults, f => f.Error is not null);
        }

        List<AuditFile.Entry> all = Directory.GetFiles(_temp.Path, "audit*.jsonl")
            .SelectMany(f => Entries(f)).OrderBy(e => e.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), all.Select(e => e.Seq));
    }

    [Fact]
    public void A_roll_refused_with_permission_denied_keeps_the_file_open_retries_and_writes_every_line()
    {
        // Root ignores permissions, so the logger runs as the user nobody (setpriv, util-linux) in a child process,
        // in a folder it owns; the test takes the folder's write permission away and gives it back.
        string folder = _temp.File("perm");
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsLinux() || !Environment.UserName.Equals("root", StringComparison.Ordinal) || !Run("chown", "nobody", folder) || !File.Exists("/usr/bin/setpriv"))
        {
            _output.WriteLine("SKIPPED: needs root and setpriv to run the logger as another user");
            return;
        }

        File.SetUnixFileMode(_temp.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        string path = Path.Combine(folder, "audit.jsonl");
        string probe = Path.Combine(AppContext.BaseDirectory, "Infernum.Audit.Fast.SinkProbe.dll");
        var start = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=" + folder, "DOTNET_CLI_HOME=" + folder, "DOTNET_NOLOGO=1", "dotnet", probe, "roll", path })
        {
            start.ArgumentList.Add(argument);
        }

        using Process child = Process.Start(start)!;
        try
        {
            Assert.Equal("opened", child.StandardOutput.ReadLine());
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute); // r-x: no rename, no new file
            child.StandardInput.WriteLine();
            string? refused = child.StandardOutput.ReadLine();
            Assert.StartsWith("refused", refused, StringComparison.Ordinal);
            Assert.DoesNotContain("write_errors=0 ", refused, StringComparison.Ordinal);

            // The probe reads the health right after it sees the error counted: the writer stores Retrying before it
            // counts (SinkFaultTests.Once_a_write_error_is_counted_the_health_is_Retrying_until_a_later_call_succeeds);
            // it used to store it after, and a writer preempted between the two stores fails this (the one CI failure,
            // after 159 ms, so before the flush step, fits that).
            Assert.Contains("health=Retrying", refused, StringComparison.Ordinal);

            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            child.StandardInput.WriteLine();
            string? done = child.StandardOutput.ReadLine();
            Assert.Equal("written=600", done?.Split(' ')[0]);
            Assert.EndsWith("health=Healthy flushed=True", done, StringComparison.Ordinal);
            Assert.True(child.WaitForExit(30_000));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }

        List<AuditFile.Entry> all = Directory.GetFiles(folder, "audit*.jsonl").SelectMany(f => Entries(f)).OrderBy(e => e.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), all.Select(e => e.Seq));
    }

    [Theory]
    [InlineData("copytruncate")]
    [InlineData("create")]
    [InlineData("nocreate")]
    public void Real_logrotate_between_batches_leaves_every_line_in_the_rotated_or_the_current_file_once(string mode)
    {
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 1_000);
            logger.Flush();
            Logrotate.Run(AuditPath, mode, _temp.Path);
            Log(logger, 1_000);
        }

        Assert.True(File.Exists(AuditPath + ".1"), "logrotate made no audit.jsonl.1");
        Assert.DoesNotContain((byte)0, File.ReadAllBytes(AuditPath));
        Assert.Equal(Enumerable.Range(1, 1_000).Select(i => (long)i), Entries(AuditPath + ".1").Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1_001, 1_000).Select(i => (long)i), Entries(AuditPath).Select(e => e.Seq));
    }

    [Theory]
    [InlineData("copytruncate")]
    [InlineData("create")]
    [InlineData("nocreate")]
    public void Real_logrotate_while_events_flow_tears_no_line_and_leaves_no_NUL(string mode)
    {
        using var logger = new AuditLogger(AuditSink.ToFile(AuditPath));
        using var stop = new CancellationTokenSource();
        long logged = 0;
        var producer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                logger.AuthSuccess("req", "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
                Interlocked.Increment(ref logged);
                if (Volatile.Read(ref logged) % 256 == 0)
                {
                    Thread.Sleep(1);
                }
            }
        });
        producer.Start();

        // Rotate once lines are in the file, and stop once lines went on after the rotation (not after fixed sleeps: on
        // a loaded machine 200 ms can pass before the writer wrote anything, and the rotated or current file is empty).
        Assert.True(SpinWait.SpinUntil(() => logger.Counters.Written >= 1_000, TimeSpan.FromSeconds(30)), "nothing written before the rotation");
        Logrotate.Run(AuditPath, mode, _temp.Path);
        long rotatedAt = logger.Counters.Written;
        Assert.True(SpinWait.SpinUntil(() => logger.Counters.Written >= rotatedAt + 1_000, TimeSpan.FromSeconds(30)), "nothing written after the rotation");
        stop.Cancel();
        producer.Join();
        logger.Flush();

        Assert.Equal(logged, logger.Counters.Written);
        List<AuditFile.Entry> rotated = Entries(AuditPath + ".1");
        List<AuditFile.Entry> current = Entries(AuditPath);
        Assert.DoesNotContain((byte)0, File.ReadAllBytes(AuditPath));
        Assert.NotEmpty(rotated);
        Assert.NotEmpty(current);
        Assert.True(rotated[^1].Seq < current[0].Seq, $"rotated ends at {rotated[^1].Seq}, current starts at {current[0].Seq}");
        Assert.Equal(logged, current[^1].Seq);
        var all = rotated.Concat(current).ToList();
        if (mode == "copytruncate")
        {
            // Lines written between logrotate's copy and its truncate are in neither file: that window is logrotate's.
            Assert.Equal(all.Select(e => e.Seq).Distinct().Count(), all.Count);
        }
        else
        {
            Assert.Equal(0, AuditFile.AssertEverySeqAccounted(all));
        }
    }

    [Theory]
    [InlineData("copytruncate")]
    [InlineData("nocreate")]
    [InlineData("create")]
    public void Reopening_after_logrotate_continues_the_sequence_from_its_rotated_file(string mode)
    {
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 100);
        }

        Logrotate.Run(AuditPath, mode, _temp.Path);
        Assert.True(!File.Exists(AuditPath) || new FileInfo(AuditPath).Length == 0);
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 1);
        }

        Assert.Equal(101, Assert.Single(Entries(AuditPath)).Seq);
    }

    [Theory]
    [InlineData("nocreate\n    compress")]
    [InlineData("copytruncate\n    compress")]
    [InlineData("nocreate\n    compress\n    dateext")]
    public void Reopening_after_logrotate_compressed_the_rotated_file_continues_the_sequence_from_it(string directives)
    {
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 3_000);
        }

        Logrotate.Run(AuditPath, directives, _temp.Path);
        Assert.Single(Directory.GetFiles(_temp.Path, "audit.jsonl*.gz"));
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 1);
        }

        Assert.Equal(3_001, Assert.Single(Entries(AuditPath)).Seq);
    }

    [Theory]
    [InlineData("{\"event_type\":\"auth_success\",\"seq\":12x}")]
    [InlineData("{\"event_type\":\"auth_success\",\"seq\":99999999999999999999}")]
    [InlineData("{\"event_type\":\"auth_success\",\"seq\":-4}")]
    [InlineData("{\"event_type\":\"auth_success\",\"seq\":\"7\"}")]
    [InlineData("not a json line")]
    [InlineData("{\"msg\":\"oops \"seq\":999}")]
    [InlineData("{\"event_type\":\"auth_success\",\"seq\":999}}")]
    [InlineData("{\"event_type\":\"auth_success\",\"seq\":9.5}")]
    [InlineData("{\"a\":1 \"seq\":999}")]
    public void An_unreadable_last_seq_on_reopen_is_reported_at_open_not_restarted_at_one(string lastLine)
    {
        File.WriteAllText(AuditPath, "{\"event_type\":\"auth_success\",\"seq\":41}\n" + lastLine + "\n");
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => AuditSink.ToFile(AuditPath));
        Assert.Contains(AuditPath, error.Message, StringComparison.Ordinal);

        // The lock is released with the failed open: a repaired file opens.
        File.WriteAllText(AuditPath, "{\"event_type\":\"auth_success\",\"seq\":41}\n");
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 1);
        }

        Assert.Equal(42, Entries(AuditPath)[^1].Seq);
    }

    [Fact]
    public void A_last_line_without_seq_was_written_with_sequence_numbers_off_and_opens()
    {
        File.WriteAllText(AuditPath, "{\"event_type\":\"auth_success\",\"success\":true}\n");
        using var sink = AuditSink.ToFile(AuditPath);
        Assert.Equal(0, sink.LastSequenceNumber);
    }

    [Fact]
    public void On_Linux_the_file_is_written_in_append_mode_and_identified_by_inode()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(Infernum.Audit.Fast.Sinks.FileIdentity.IsExact);
        using var sink = AuditSink.ToFile(AuditPath);
        sink.Write("{\"seq\":1}\n"u8);

        // The kernel's own view of the open descriptor: O_APPEND is octal 02000 in /proc/self/fdinfo's flags.
        string fd = Directory.GetFiles("/proc/self/fd").Single(f => new FileInfo(f).LinkTarget == AuditPath);
        string flags = File.ReadLines("/proc/self/fdinfo/" + Path.GetFileName(fd)).Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        Assert.NotEqual(0, Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 0x400);
    }

    [Fact]
    public void A_file_replaced_by_a_symlink_while_open_is_refused_as_a_fault_and_the_target_is_never_written()
    {
        // Attack F7: `mv audit.jsonl audit.jsonl.1; ln -s victim.txt audit.jsonl` while the logger runs.
        string rotated = AuditPath + ".1";
        string victim = _temp.File("victim.txt");
        const string victimText = "keep me\nunterminated last line";
        File.WriteAllText(victim, victimText);
        var logger = new AuditLogger(AuditSink.ToFile(AuditPath), null, new AuditDeliveryOptions { DisposeTimeout = TimeSpan.FromSeconds(2) });
        Log(logger, 100);
        logger.Flush();
        Assert.True(Run("mv", AuditPath, rotated));
        Assert.True(Run("ln", "-s", victim, AuditPath));
        Log(logger, 100);
        Assert.True(SpinWait.SpinUntil(() => logger.Counters.WriteErrors > 0, TimeSpan.FromSeconds(10)), "no fault reported");
        Assert.Equal(AuditSinkHealth.Retrying, logger.SinkHealth);
        Assert.Equal(victimText, File.ReadAllText(victim));

        // Once the link is gone, the kept lines go to a regular file at the path.
        File.Delete(AuditPath);
        logger.Flush();
        logger.Dispose();
        Assert.Equal(victimText, File.ReadAllText(victim));
        Assert.Null(new FileInfo(AuditPath).LinkTarget);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), Entries(rotated).Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(101, 100).Select(i => (long)i), Entries(AuditPath).Select(e => e.Seq));
    }

    [Fact]
    public void A_symlink_at_the_audit_path_is_refused_at_open()
    {
        string target = _temp.File("elsewhere.jsonl");
        File.WriteAllText(target, "{\"seq\":7}\n");
        Assert.True(Run("ln", "-s", target, AuditPath));
        IOException error = Assert.Throws<IOException>(() => AuditSink.ToFile(AuditPath));
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Equal("{\"seq\":7}\n", File.ReadAllText(target));
    }

    [Theory]
    [InlineData("create")]
    [InlineData("nocreate")]
    public void Reopening_after_logrotate_with_olddir_continues_the_sequence_from_the_configured_rotated_folder(string mode)
    {
        // Attack F3: `olddir old` moved the rotated file away and the reopened logger restarted at seq 1.
        Directory.CreateDirectory(_temp.File("old"));
        var options = new AuditFileOptions { RotatedFolder = "old" };
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath, options)))
        {
            Log(logger, 100);
        }

        Logrotate.Run(AuditPath, mode + "\n    olddir old", _temp.Path);
        Assert.True(File.Exists(_temp.File("old/audit.jsonl.1")));
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath, options)))
        {
            Log(logger, 1);
        }

        Assert.Equal(101, Assert.Single(Entries(AuditPath)).Seq);
    }

    [Fact]
    public void Reopening_after_own_rolls_and_a_compressing_logrotate_continues_from_the_newest_line_of_all_rotated_files()
    {
        // Attack F4: audit.1..5.jsonl from the sink's own rolls, then logrotate nocreate+compress put the newest lines
        // in audit.jsonl.1.gz; the reopened logger continued from the older audit.1.jsonl.
        var options = new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 5 };
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath, options)))
        {
            Log(logger, 3_000);
        }

        Assert.True(File.Exists(_temp.File("audit.5.jsonl")));
        Logrotate.Run(AuditPath, "nocreate\n    compress", _temp.Path);
        Assert.True(File.Exists(AuditPath + ".1.gz"));
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath, options)))
        {
            Log(logger, 1);
        }

        Assert.Equal(3_001, Assert.Single(Entries(AuditPath)).Seq);
    }

    [Theory]
    [InlineData("{\"note\":\"x\"}\n")]
    [InlineData("{\"note\":\"x\"}\n{\"other\":{\"seq\":1}}\n")]
    [InlineData("\n")]
    [InlineData("   \n\t\n")]
    [InlineData("{\"note\":\"x\"}\n\n")]
    public void Foreign_lines_without_seq_or_blank_lines_at_the_end_do_not_restart_the_sequence(string appended)
    {
        // Attack F5 (`echo '{"note":"x"}' >> audit.jsonl` restarted at 1) and F9 (a blank line made the open throw).
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 100);
        }

        File.AppendAllText(AuditPath, appended);
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 1);
        }

        Assert.Equal(101, LastSeq(AuditPath));
    }

    [Fact]
    public void A_foreign_line_in_an_otherwise_empty_file_after_logrotate_continues_from_the_rotated_file()
    {
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 100);
        }

        Logrotate.Run(AuditPath, "create", _temp.Path);
        File.AppendAllText(AuditPath, "{\"note\":\"x\"}\n");
        using (var logger = new AuditLogger(AuditSink.ToFile(AuditPath)))
        {
            Log(logger, 1);
        }

        Assert.Equal(101, LastSeq(AuditPath));
    }

    [Fact]
    public async Task Rolling_while_logrotate_nocreate_moves_the_file_again_and_again_counts_no_write_error_and_loses_no_line()
    {
        // Attack F9: the roll's rename found the file already moved by logrotate: 26–57 FileNotFoundException write
        // errors and brief Retrying. An already-gone file at the roll is a done roll.
        var options = new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 10_000 };
        var logger = new AuditLogger(AuditSink.ToFile(AuditPath, options), null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) });
        using var stop = new CancellationTokenSource();
        Task writer = Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(
            () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    Log(logger, 100);
                }
            },
            TaskCreationOptions.LongRunning)));
        // Real logrotate, 150 forced rotations keeping every file; a run that finds the file mid-roll may fail, as in production.
        string config = _temp.File("logrotate.conf");
        File.WriteAllText(config, $"\"{AuditPath}\" {{\n    nocreate\n    rotate 10000\n    missingok\n}}\n");
        for (int i = 0; i < 150; i++)
        {
            Run(File.Exists("/usr/sbin/logrotate") ? "/usr/sbin/logrotate" : "logrotate", "--force", "--state", _temp.File("logrotate.state"), config);
        }

        stop.Cancel();
        await writer;
        logger.Dispose();
        Assert.Equal(0, logger.Counters.WriteErrors);
        var all = Directory.GetFiles(_temp.Path, "audit*").Where(f => !f.EndsWith(".conf", StringComparison.Ordinal)).SelectMany(Entries).OrderBy(e => e.Seq).ToList();
        Assert.Equal(logger.Counters.Written, all.Count);
        Assert.Equal(0, AuditFile.AssertEverySeqAccounted(all));
    }

    private static void Log(AuditLogger logger, int count)
    {
        for (int i = 0; i < count; i++)
        {
            logger.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
        }
    }

    private static List<AuditFile.Entry> Entries(string path) => AuditFile.Parse(File.ReadLines(path));

    private static long LastSeq(string path)
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadLines(path).Last());
        return document.RootElement.GetProperty("seq").GetInt64();
    }

    private static bool Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
