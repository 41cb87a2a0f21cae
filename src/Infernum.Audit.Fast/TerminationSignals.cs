using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Infernum.Audit.Fast;

/// <summary>
/// Drains every live logger (that asked for it) when SIGTERM, SIGINT, SIGHUP or SIGQUIT arrives, then lets the
/// signal end the process as it would have: its handlers do not cancel it.
/// </summary>
/// <remarks>
/// Without this, a console service without a generic host loses whatever is queued: SIGINT, SIGHUP and SIGQUIT end
/// the process without running <see cref="AppDomain.ProcessExit"/>, and a SIGTERM that arrives early does too. Each
/// logger drains within its own <see cref="AuditDeliveryOptions.DisposeTimeout"/>, all of them at once.
/// </remarks>
internal static class TerminationSignals
{
    private static readonly PosixSignal[] s_signals = [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];
    private static readonly object s_lock = new();
    private static readonly HashSet<AuditLogger> s_loggers = new(ReferenceEqualityComparer.Instance);
    private static List<PosixSignalRegistration>? s_registrations;

    /// <summary>Drains <paramref name="logger"/> on a termination signal until it is removed (at its disposal).</summary>
    public static void Add(AuditLogger logger)
    {
        lock (s_lock)
        {
            s_loggers.Add(logger);
            if (s_registrations is null)
            {
                s_registrations = new List<PosixSignalRegistration>(s_signals.Length);
                foreach (PosixSignal signal in s_signals)
                {
                    try
                    {
                        s_registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
                    }
                    catch (PlatformNotSupportedException)
                    {
                        // Not every platform has every signal (SIGQUIT and SIGHUP on some): the rest still drain.
                    }
                }
            }
        }
    }

    /// <summary>Stops draining <paramref name="logger"/> on a signal (it is being disposed).</summary>
    public static void Remove(AuditLogger logger)
    {
        lock (s_lock)
        {
            s_loggers.Remove(logger);
        }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        AuditLogger[] loggers;
        lock (s_lock)
        {
            loggers = [.. s_loggers];
        }

        var drains = new Task[loggers.Length];
        for (int i = 0; i < loggers.Length; i++)
        {
            drains[i] = Task.Factory.StartNew(static state => ((AuditLogger)state!).Dispose(), loggers[i], CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        Task.WaitAll(drains);

        // context.Cancel stays false: the runtime now ends the process as the signal would have.
    }
}
