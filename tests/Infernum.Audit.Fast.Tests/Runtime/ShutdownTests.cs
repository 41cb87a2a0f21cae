using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Runtime;

/// <summary>Shutdown always drains, once, within DisposeTimeout, whatever stops the process and whatever the sink does.</summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly TempFolder _temp = new("infernum-shutdown");

    public void Dispose() => _temp.Dispose();

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    // A console service without a generic host, its 2000 events still queued behind a sink that takes 200 ms a write,
    // stopped by a real signal: every line reaches the file, then the process ends as the signal ends it.
    [Theory]
    [InlineData(15)] // SIGTERM
    [InlineData(2)] // SIGINT
    [InlineData(1)] // SIGHUP
    [InlineData(3)] // SIGQUIT
    public void A_console_service_stopped_by_a_signal_drains_then_ends_as_the_signal_would(int signal)
    {
        string path = _temp.File("audit.jsonl");
        using Process process = StartChild(path, "wait");
        Assert.Equal(0, SendSignal(process.Id, signal));
        AssertEndsWithEveryLine(process, path, 128 + signal); // killed by the signal itself, as without the logger
    }

    // A second signal while the first one's drain runs (an impatient operator, a supervisor that sends SIGTERM
    // twice, or SIGINT after SIGTERM) waits for that drain: every line, and the exit status of the first signal.
    [Theory]
    [InlineData(15, 15)] // SIGTERM, SIGTERM
    [InlineData(15, 2)] // SIGTERM, SIGINT
    [InlineData(2, 1)] // SIGINT, SIGHUP
    [InlineData(1, 3)] // SIGHUP, SIGQUIT
    public void A_second_signal_during_the_drain_waits_for_it_and_the_first_signal_decides_the_exit(int first, int second)
    {
        string path = _temp.File("audit.jsonl");
        using Process process = StartChild(path, "wait");
        Assert.Equal(0, SendSignal(process.Id, first));
        Thread.Sleep(100);
        Assert.Equal(0, SendSignal(process.Id, second));
        AssertEndsWithEveryLine(process, path, 128 + first);
    }

    // Environment.Exit on another thread while the application's own Dispose drains: process exit waits for that drain.
    [Fact]
    public void Process_exit_during_a_running_dispose_waits_for_its_drain()
    {
        string path = _temp.File("audit.jsonl");
        using Process process = StartChild(path, "dispose-exit");
        AssertEndsWithEveryLine(process, path, 4);
    }

    // A signal while the application's own Dispose drains waits for that drain, then ends the process as it would.
    [Theory]
    [InlineData(15)]
    [InlineData(2)]
    [InlineData(1)]
    public void A_signal_during_a_running_dispose_waits_for_its_drain(int signal)
    {
        string path = _temp.File("audit.jsonl");
        using Process process = StartChild(path, "dispose-wait");
        Thread.Sleep(300);
        Assert.Equal(0, SendSignal(process.Id, signal));
        AssertEndsWithEveryLine(process, path, 128 + signal);
    }

    // An unhandled exception on any thread drains (within DisposeTimeout) before the runtime aborts the process.
    [Fact]
    public void An_unhandled_exception_on_another_thread_drains_before_the_process_ends()
    {
        string path = _temp.File("audit.jsonl");
        using Process process = StartChild(path, "throw");
        AssertEndsWithEveryLine(process, path, 128 + 6); // SIGABRT, as without the logger
    }

    // Under the generic host (AddInfernumAudit), the host's console lifetime stops on SIGINT, SIGTERM and SIGQUIT
    // and disposes the logger at the end of its stop (the exit code is then the host's, 0); SIGHUP it does not
    // handle, and that ends the process at once: the logger drains on it itself. The sink here forwards each line
    // to an ILogger that takes 2 ms a line, so most of the 2000 are still queued when the signal arrives.
    [Theory]
    [InlineData(1, 129)] // SIGHUP: the logger's own drain, then the signal's exit status
    [InlineData(15, 0)] // SIGTERM: the host's orderly stop
    [InlineData(2, 0)] // SIGINT: likewise
    public void A_hosted_service_drains_on_every_termination_signal(int signal, int exitCode)
    {
        string path = _temp.File("audit.jsonl");
        using Process process = StartChild(path, "host", delay: 2);
        Assert.Equal(0, SendSignal(process.Id, signal));
        AssertEndsWithEveryLine(process, path, exitCode);
    }

    private static Process StartChild(string path, string mode, int delay = 200)
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "real POSIX signals");
        string child = Path.Combine(AppContext.BaseDirectory, "Infernum.Audit.Fast.SignalChild.dll");
        Assert.True(File.Exists(child), "missing " + child);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { child, path, "2000", delay.ToString(System.Globalization.CultureInfo.InvariantCulture), "20000", mode })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start)!;
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginErrorReadLine();
        Assert.Equal("ready", process.StandardOutput.ReadLine());
        return process;
    }

    private static void AssertEndsWithEveryLine(Process process, string path, int exitCode)
    {
        Assert.True(process.WaitForExit(60_000), "the child did not end");
        var entries = AuditFile.Parse(File.ReadLines(path));
        Assert.Equal((exitCode, 2000), (process.ExitCode, entries.Count));
        Assert.Equal(0, AuditFile.AssertEverySeqAccounted(entries));
    }

    [Fact]
    public async Task A_sink_whose_write_never_returns_bounds_dispose_counts_the_lines_unwritten_and_completes_flushes()
    {
        using var never = new ManualResetEventSlim(false);
        var sink = new StuckSink(never);
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { DisposeTimeout = TimeSpan.FromSeconds(1) });
        for (int i = 0; i < 100; i++)
        {
            logger.AuthSuccess("r" + i, null, "sk-inf-abcdefghijk", "/v1");
        }

        Assert.True(SpinWait.SpinUntil(() => sink.Entered, 10_000));
        Task pending = logger.FlushAsync().AsTask();
        var watch = Stopwatch.StartNew();
        logger.Dispose();
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"Dispose took {watch.Elapsed} with a 1 s timeout");
        AuditCounters counters = logger.Counters;
        Assert.Equal(100, counters.DroppedUnwritten);
        Assert.Equal(0, counters.InFlight);
        Assert.Equal(0, counters.Written);
        Assert.Equal(AuditSinkHealth.Unresponsive, logger.SinkHealth);
        Assert.Same(pending, await Task.WhenAny(pending, Task.Delay(1000))); // a flush pending at dispose completed
        Task after = logger.FlushAsync().AsTask();
        Assert.Same(after, await Task.WhenAny(after, Task.Delay(1000))); // and one after it

        logger.AuthSuccess("late", null, "k", "/v1");
        Assert.Equal(1, logger.Counters.DroppedDisposed);
        Assert.Equal(0, counters.BufferedBytes); // every line is accounted for: none waits for the sink any more
        never.Set(); // the writer returns: what that Write took is written after all, nothing else moves
        Assert.True(SpinWait.SpinUntil(() => logger.Counters.Written > 0, 5000), "the late return was not counted");
        counters = logger.Counters;
        Assert.Equal((100, 0, 0L), (counters.Written + counters.DroppedUnwritten, counters.InFlight, counters.BufferedBytes));
        Assert.Equal(sink.FirstBatchLines, counters.Written);
        Assert.Equal(AuditSinkHealth.Healthy, logger.SinkHealth); // it answered, late
        Assert.Equal(counters.Offered, counters.Written + counters.Dropped + counters.InFlight);
    }

    // A sink that takes longer than DisposeTimeout once, then returns: the lines it took are written (not left counted
    // unwritten), the health says it answered, and nothing stays counted as waiting.
    [Fact]
    public void A_sink_that_returns_after_the_dispose_deadline_has_its_late_lines_counted_written()
    {
        var memory = new MemorySink();
        var sink = new LateOnceSink(memory, 2500);
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { DisposeTimeout = TimeSpan.FromSeconds(1) });
        for (int i = 0; i < 1000; i++)
        {
            logger.AuthSuccess("r" + i, null, "sk-inf-abcdefghijk", "/v1");
        }

        logger.Dispose();
        Assert.Equal(AuditSinkHealth.Unresponsive, logger.SinkHealth);
        Assert.Equal(0, logger.Counters.BufferedBytes);
        Assert.True(SpinWait.SpinUntil(() => memory.Lines.Length > 0 && logger.Counters.Written > 0, 10_000), "the late write never arrived");

        // No wait after it: the writer stores the health and the unwritten count before it counts the late lines written.
        AuditCounters counters = logger.Counters;
        int received = AuditFile.Parse(memory.Lines).Count(e => !e.IsDropRecord);
        Assert.Equal((received, 1000 - received, 0L, 0L), (counters.Written, counters.DroppedUnwritten, counters.InFlight, counters.BufferedBytes));
        Assert.Equal(AuditSinkHealth.Healthy, logger.SinkHealth);
    }

    // Dispose called from inside an event (a value's TryFormat): the drain waits for that line, so the call only
    // begins it; no stall for DisposeTimeout, and the event is written, not left in flight.
    [Fact]
    public void Dispose_from_inside_an_event_does_not_stall_and_the_event_is_written()
    {
        var memory = new MemorySink();
        var logger = new AuditLogger(memory, null, new AuditDeliveryOptions { DisposeTimeout = TimeSpan.FromSeconds(30) });
        logger.AuthSuccess("before", null, "sk-inf-abcdefghijk", "/v1");
        var watch = Stopwatch.StartNew();
        bool accepted = StageEvents.Disposing(logger, "inside", new DisposingValue(logger));
        watch.Stop();
        logger.Dispose(); // waits for the drain the inner call began

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the event took {watch.Elapsed}: Dispose inside it waited for its own line");
        AuditCounters counters = logger.Counters;
        Assert.Equal((true, 2L, 0L, 0L), (accepted, counters.Written, counters.InFlight, counters.Dropped));
        Assert.Equal(["before", "inside"], AuditFile.Parse(memory.Lines).Select(e => e.RequestId));
    }

    [Fact]
    public void Flush_is_bounded_when_the_sink_does_not_take_the_lines()
    {
        using var never = new ManualResetEventSlim(false);
        var sink = new StuckSink(never);
        var logger = new AuditLogger(sink, null, new AuditDeliveryOptions { DisposeTimeout = TimeSpan.FromSeconds(1) });
        logger.AuthSuccess("r", null, "k", "/v1");
        Assert.False(logger.Flush(TimeSpan.FromMilliseconds(200)));
        never.Set();
        Assert.True(logger.Flush(TimeSpan.FromSeconds(30)));
        logger.Dispose();
        Assert.Equal(1, logger.Counters.Written);
    }

    [Fact]
    public void Concurrent_dispose_calls_all_wait_for_the_one_drain()
    {
        var memory = new MemorySink();
        var slow = new SlowSink(memory, 50);
        var logger = new AuditLogger(slow, null, new AuditDeliveryOptions { BlockTimeout = TimeSpan.FromMinutes(1) });
        for (int i = 0; i < 5000; i++)
        {
            logger.AuthSuccess("r" + i, null, "sk-inf-abcdefghijk", "/v1");
        }

        var seen = new long[6];
        var callers = Enumerable.Range(0, seen.Length).Select(i => new Thread(() =>
        {
            if (i % 2 == 0)
            {
                logger.Dispose();
            }
            else
            {
                logger.DisposeAsync().AsTask().Wait();
            }

            seen[i] = logger.Counters.Written; // each caller returns only after the drain
        })).ToArray();
        Array.ForEach(callers, c => c.Start());
        Array.ForEach(callers, c => c.Join());

        Assert.All(seen, written => Assert.Equal(5000, written));
        Assert.Equal(5000, memory.Lines.Length);
        Assert.Equal(AuditSinkHealth.Closed, logger.SinkHealth);
    }

    [Fact]
    public void Dispose_from_the_sink_fault_callback_on_the_writer_thread_does_not_deadlock_and_the_drain_completes()
    {
        var stream = new FaultyStream { FailEvery = 3 };
        AuditLogger? logger = null;
        int callbacks = 0;
        logger = new AuditLogger(AuditSink.ToStream(stream, leaveOpen: true), null, new AuditDeliveryOptions
        {
            DisposeTimeout = TimeSpan.FromSeconds(20),
            OnSinkFault = f =>
            {
                if (f.Error is not null && Interlocked.Increment(ref callbacks) == 1)
                {
                    logger!.Dispose(); // on the writer thread: begins the drain, cannot wait for itself
                }
            },
        });
        for (int i = 0; i < 2000; i++)
        {
            logger.AuthSuccess("r" + i, null, "sk-inf-abcdefghijk", "/v1");
            if (i % 200 == 0)
            {
                Thread.Sleep(2);
            }
        }

        stream.FailEvery = 0;
        logger.Dispose(); // waits for the drain the callback began
        Assert.Equal(AuditSinkHealth.Closed, logger.SinkHealth);
        AuditCounters counters = logger.Counters;
        Assert.Equal(counters.Offered, counters.Written + counters.Dropped);
        Assert.Equal(0, counters.InFlight);
        Assert.Equal(0, counters.DroppedUnwritten);
        Assert.Equal(counters.Written, AuditFile.Parse(stream.Lines()).Count(e => !e.IsDropRecord));
    }

    /// <summary>A sink whose first write blocks until released.</summary>
    private sealed class StuckSink(ManualResetEventSlim release) : AuditSink
    {
        private int _entered;

        public bool Entered => Volatile.Read(ref _entered) != 0;

        // The lines of the Write that got stuck (it returns once released, having taken them).
        public long FirstBatchLines { get; private set; }

        public override void Write(ReadOnlySpan<byte> lines)
        {
            if (Interlocked.Exchange(ref _entered, 1) == 0)
            {
                FirstBatchLines = lines.Count((byte)'\n');
            }

            release.Wait();
        }
    }

    /// <summary>A sink whose first write takes the given time, then passes everything on.</summary>
    private sealed class LateOnceSink(AuditSink inner, int milliseconds) : AuditSink
    {
        private int _writes;

        public override void Write(ReadOnlySpan<byte> lines)
        {
            if (Interlocked.Increment(ref _writes) == 1)
            {
                Thread.Sleep(milliseconds);
            }

            inner.Write(lines);
        }
    }

    /// <summary>A sink that takes a fixed time for every write.</summary>
    private sealed class SlowSink(AuditSink inner, int milliseconds) : AuditSink
    {
        public override void Write(ReadOnlySpan<byte> lines)
        {
            Thread.Sleep(milliseconds);
            inner.Write(lines);
        }
    }
}
