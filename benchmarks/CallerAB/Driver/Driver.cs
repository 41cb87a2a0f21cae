using System.Diagnostics;
using System.IO;
using Infernum.Audit.Fast;

/// <summary>One commit's auth_success loop, loaded by the host into its own load context.</summary>
public static class Driver
{
    private static AuditLogger? s_logger;

    public static void Main()
    {
    }

    /// <summary>A logger into a stream that discards, as CallerCostBenchmarks uses.</summary>
    public static void Setup(bool coarse)
        => s_logger = new AuditLogger(AuditSink.ToStream(Stream.Null), null, new AuditDeliveryOptions { Clock = coarse ? AuditClock.Coarse : AuditClock.System });

    /// <summary>Logs <paramref name="n"/> events; returns nanoseconds per event.</summary>
    public static double Run(int n)
    {
        AuditLogger logger = s_logger!;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            logger.AuthSuccess("req-7f3a9c2e4b1d", "10.42.17.3", "sk-inf-4f9d8a7b6c5e4d3c2b1a", "/v1/chat/completions");
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / n;
    }
}
