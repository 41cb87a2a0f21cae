using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Infernum.Audit.Fast;

/// <summary>
/// How an <see cref="AuditLogger"/> buffers and delivers lines: fixed when the logger is created
/// (unlike <see cref="AuditOptions"/>, which can be swapped at run time).
/// </summary>
public sealed record AuditDeliveryOptions
{
    /// <summary>The default buffer bound: 4 MiB, about 20,000 typical lines, pre-allocated once.</summary>
    public const long DefaultMaxBufferedBytes = 4L * 1024 * 1024;

    private readonly long _maxBufferedBytes = DefaultMaxBufferedBytes;
    private readonly TimeSpan _blockTimeout = TimeSpan.FromMilliseconds(500);
    private readonly TimeSpan _disposeTimeout = TimeSpan.FromSeconds(30);
    private readonly AuditFullMode _fullMode = AuditFullMode.Block;
    private readonly AuditClock _clock = AuditClock.System;

    /// <summary>
    /// The most bytes held between the event methods and the sink; past it <see cref="FullMode"/> applies.
    /// Between 64 KiB and 1 GiB. Each producer thread takes its share in chunks of 1/256 of the bound (1–16 KiB).
    /// Up to 4 MiB of staging memory is allocated when the logger is created, so that a steady state never
    /// allocates on the calling threads; a larger bound grows into the rest on first use.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 64 KiB – 1 GiB.</exception>
    public long MaxBufferedBytes
    {
        get => _maxBufferedBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 64L * 1024, nameof(MaxBufferedBytes));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1L << 30, nameof(MaxBufferedBytes));
            _maxBufferedBytes = value;
        }
    }

    /// <summary>What an event does when the buffer is full. Default <see cref="AuditFullMode.Block"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not defined.</exception>
    public AuditFullMode FullMode
    {
        get => _fullMode;
        init => _fullMode = OptionGuard.Defined(value, nameof(FullMode));
    }

    /// <summary>Under <see cref="AuditFullMode.Block"/>, how long an event waits for room. Default 500 ms; 0 to 1 minute.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above one minute.</exception>
    public TimeSpan BlockTimeout
    {
        get => _blockTimeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(BlockTimeout));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMinutes(1), nameof(BlockTimeout));
            _blockTimeout = value;
        }
    }

    /// <summary>How long disposing waits for the writer to put everything into the sink. Default 30 s.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or above one hour.</exception>
    public TimeSpan DisposeTimeout
    {
        get => _disposeTimeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(DisposeTimeout));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromHours(1), nameof(DisposeTimeout));
            _disposeTimeout = value;
        }
    }

    /// <summary>
    /// Whether each line ends with <c>"seq":N</c>, a per-logger, gap-free, strictly increasing number. Default
    /// <see langword="true"/>; <see langword="false"/> gives byte-exact infernum-server lines.
    /// </summary>
    public bool WriteSequenceNumbers { get; init; } = true;

    /// <summary>Where timestamps come from. Default <see cref="AuditClock.System"/>: read for every event.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not defined.</exception>
    public AuditClock Clock
    {
        get => _clock;
        init => _clock = OptionGuard.Defined(value, nameof(Clock));
    }

    /// <summary>
    /// Called on the writer thread each time the sink throws (with the error) and once when it recovers
    /// (with <see cref="AuditSinkFault.Error"/> null). Exceptions it throws are ignored.
    /// </summary>
    public Action<AuditSinkFault>? OnSinkFault { get; init; }

    /// <summary>
    /// Whether the logger drains (as <see cref="AuditLogger.Dispose"/> does, within <see cref="DisposeTimeout"/>) when
    /// the process receives SIGTERM, SIGINT, SIGHUP or SIGQUIT, before the signal ends it as it would have. Default
    /// <see langword="true"/>, for console services without a generic host. Turn it off where the application
    /// handles those signals itself and disposes the logger at the end of its own shutdown (a generic host: the
    /// hosting package does), so that events logged during that shutdown are still taken.
    /// </summary>
    public bool DrainOnTerminationSignals { get; init; } = true;

    /// <summary>
    /// The termination signals on which the logger does not drain by itself, because the application's host already
    /// turns them into an orderly shutdown that disposes the logger at its end (the generic host's console lifetime
    /// handles SIGINT, SIGTERM and SIGQUIT; the hosting package sets those). Every other one of SIGTERM, SIGINT,
    /// SIGHUP and SIGQUIT still drains when <see cref="DrainOnTerminationSignals"/> is on: a SIGHUP to a hosted
    /// service does not lose what is queued. Default empty. Ignored when <see cref="DrainOnTerminationSignals"/> is off.
    /// </summary>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public IReadOnlyCollection<PosixSignal> SignalsHandledByHost
    {
        get => _signalsHandledByHost;
        init => _signalsHandledByHost = [.. value ?? throw new ArgumentNullException(nameof(value))];
    }

    private readonly PosixSignal[] _signalsHandledByHost = [];

    /// <summary>The defaults.</summary>
    public static AuditDeliveryOptions Default { get; } = new();
}
