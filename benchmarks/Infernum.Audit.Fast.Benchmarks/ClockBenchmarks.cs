using System;
using BenchmarkDotNet.Attributes;

namespace Infernum.Audit.Fast.Benchmarks;

/// <summary>
/// The clock reads under an event's timestamp, alone: the floor of the caller's cost on the machine that runs the
/// suite. <see cref="AuditClock.System"/> reads <see cref="DateTime.UtcNow"/> per event; <see cref="AuditClock.Coarse"/>
/// reads <see cref="Environment.TickCount64"/> and the system clock once a second.
/// </summary>
[Config(typeof(CallerCostConfig))]
public class ClockBenchmarks
{
    [Benchmark(Baseline = true)]
    public long SystemClock_UtcNow() => DateTime.UtcNow.Ticks;

    [Benchmark]
    public long CoarseClock_TickCount64() => Environment.TickCount64;
}
