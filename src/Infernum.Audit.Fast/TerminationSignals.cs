using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Infernum.Audit.Fast;

/// <summary>
/// Drains every live logger (that asked for it) when SIGTERM, SIGINT, SIGHUP or SIGQUIT arrives, then lets the
/// first such signal end the process as it would have.
/// </summary>
/// <remarks>
/// Without this, a console service without a generic host loses whatever is queued: SIGINT, SIGHUP and SIGQUIT end
/// the process without running <see cref="AppDomain.ProcessExit"/>, and a SIGTERM that arrives early does too. Each
/// logger drains within its own <see cref="AuditDeliveryOptions.DisposeTimeout"/>, all of them at once.
/// <para>
/// A logger stays registered until its drain has ended, not merely begun, so a signal that arrives while the
/// application is disposing, or a second signal while the first one's drain runs, waits for that same drain. The
/// first signal decides how the process ends: its handler returns uncancelled once the drain is over and the runtime
/// re-raises it; every later one waits for the drain and is then cancelled, so it can neither cut the drain short
/// nor change the exit status.
/// </para>
/// </remarks>
internal static class TerminationSignals
{
    private static readonly PosixSignal[] s_signals = [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];
    private static readonly object s_lock = new();

    // Each logger with the signals it leaves to its host (does not drain on).
    private static readonly Dictionary<AuditLogger, PosixSignal[]> s_loggers = new(ReferenceEqualityComparer.Instance);
    private static List<PosixSignalRegistration>? s_registrations;

    // The signal whose handler ends the process (0: none yet).
    private static int s_first;

    /// <summary>
    /// Drains <paramref name="logger"/> on every termination signal except <paramref name="handledByHost"/> until it
    /// is removed (its drain has ended); nothing when <paramref name="handledByHost"/> is <see langword="null"/>.
    /// </summary>
    public static void Add(AuditLogger logger, IReadOnlyCollection<PosixSignal>? handledByHost)
    {
        if (handledByHost is null)
        {
            return;
        }

        lock (s_lock)
        {
            s_loggers[logger] = [.. handledByHost];
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

    /// <summary>Stops draining <paramref name="logger"/> on a signal (its drain has ended).</summary>
    public static void Remove(AuditLogger logger)
    {
        lock (s_lock)
        {
            s_loggers.Remove(logger);
        }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        var loggers = new List<AuditLogger>();
        lock (s_lock)
        {
            foreach (KeyValuePair<AuditLogger, PosixSignal[]> entry in s_loggers)
            {
                if (Array.IndexOf(entry.Value, context.Signal) < 0)
                {
                    loggers.Add(entry.Key);
                }
            }
        }

        bool later = Volatile.Read(ref s_first) != 0;
        if (loggers.Count == 0 && !later)
        {
            return; // nothing of ours to drain: the signal (or the host handling it) does what it would have
        }

        bool first = !later && Interlocked.CompareExchange(ref s_first, (int)context.Signal, 0) == 0;
        var drains = new Task[loggers.Count];
        for (int i = 0; i < drains.Length; i++)
        {
            drains[i] = Task.Factory.StartNew(static state => ((AuditLogger)state!).Dispose(), loggers[i], CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        Task.WaitAll(drains);

        // The first signal's handler leaves context.Cancel false: the runtime now ends the process as that signal
        // would have. A later one has waited for the same drain; the first one ends the process.
        context.Cancel = !first;
    }
}
