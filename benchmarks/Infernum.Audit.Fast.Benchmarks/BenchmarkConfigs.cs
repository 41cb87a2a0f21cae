using System;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// The suite's jobs. <c>--smoke</c> (set as an environment variable, so the benchmark processes see it too) swaps
/// them for BenchmarkDotNet's dry job: every benchmark runs once, for CI.
/// </summary>
internal static class Smoke
{
    public const string Variable = "INFERNUM_BENCH_SMOKE";

    public static bool On => Environment.GetEnvironmentVariable(Variable) == "1";
}

/// <summary>Caller cost: bounded so the suite runs in minutes on 2 noisy cores; compare ratios within one run.</summary>
internal sealed class CallerCostConfig : ManualConfig
{
    public CallerCostConfig() => AddJob(Smoke.On ? Job.Dry : Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(12));
}

/// <summary>
/// Caller cost in bursts: one invocation per iteration (after an iteration setup that drains the logger), each a
/// burst of events that fits in the buffer.
/// </summary>
internal sealed class BurstConfig : ManualConfig
{
    public BurstConfig() => AddJob(Smoke.On
        ? Job.Dry
        : Job.Default.WithLaunchCount(15).WithWarmupCount(300).WithIterationCount(30).WithInvocationCount(1).WithUnrollFactor(1));

    // 300 warm-up bursts (about 1.2 million events): with 10, most timed bursts still ran the emitter and the pipeline
    // as tier-0 code (QuickJitted frames in a profile), about 300 ns an event instead of 50, and the distribution was
    // bimodal. Fifteen processes per case: one process's median differs from the next one's by up to 8 ns on this VM
    // (the same build, 49.3, 53.5 and 58.2 ns in a harness), more than evidence on and off differ; read the median.
}

/// <summary>File throughput: each iteration is one timed operation on a fresh logger and file.</summary>
internal sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig() => AddJob(Smoke.On
        ? Job.Dry.WithStrategy(RunStrategy.Monitoring)
        : Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(15).WithIterationCount(Iterations));

    // Fifteen warm-up operations (3,000,000 events): with one, the first eight or so timed operations still ran code the
    // JIT had not finished tiering up (Infernum 320-430 ns an event, then 112-170; the naive floor 330-640, then 172);
    // with evidence on, the first nine of ten warm-up operations took 460-710 ns an event, the tenth 319, then 305-311.

    /// <summary>20 timed operations per case, or <c>INFERNUM_BENCH_ITERATIONS</c> for a focused run.</summary>
    private static int Iterations
        => int.TryParse(Environment.GetEnvironmentVariable("INFERNUM_BENCH_ITERATIONS"), out int n) && n > 0 ? n : 20;
}
