namespace Infernum.Audit.Fast;

/// <summary>Where each line's <c>timestamp</c> comes from.</summary>
public enum AuditClock
{
    /// <summary>
    /// The system clock (<see cref="System.DateTime.UtcNow"/>), read for every event: full precision. On Linux
    /// this is a <c>clock_gettime</c> call of some 20–40 ns (the suite's <c>ClockBenchmarks</c>: 23 ns on an AMD EPYC
    /// VM, 40 ns on an Intel Xeon one), the largest single part of an event's cost.
    /// </summary>
    System,

    /// <summary>
    /// The system clock read once a second per thread, advanced in between by the millisecond tick count
    /// (<see cref="System.Environment.TickCount64"/>, a few nanoseconds): timestamps are exact to the tick
    /// count's resolution (1–4 ms on Linux, up to 16 ms on Windows). On a thread they do not go backwards by the
    /// tick count's jitter (up to 20 ms is absorbed); when the system clock is set back by more, they follow it
    /// within a second, as <see cref="System"/> timestamps would at once. Line order and <c>seq</c> are unaffected.
    /// </summary>
    Coarse,
}
