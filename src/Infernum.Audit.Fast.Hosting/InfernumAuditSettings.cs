using System;
using System.Collections.Generic;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>
/// Every setting of the host's audit logger, bindable from configuration (for example the <c>Audit</c> section of
/// appsettings.json) and settable in code (<c>AddInfernumAudit(section, o => …)</c> or
/// <c>services.Configure&lt;InfernumAuditSettings&gt;(…)</c>; code wins over configuration). Validated when the host
/// starts. <see cref="Enabled"/>, <see cref="LogClientIp"/>, <see cref="LogKeyPrefix"/>, <see cref="KeyPrefixLength"/>,
/// <see cref="RedactionKey"/> and <see cref="WriteTraceContext"/> change live on a configuration reload; the others apply when the host starts.
/// </summary>
/// <remarks>Each property mirrors the option of the same name on <see cref="AuditOptions"/>, <see cref="AuditDeliveryOptions"/> or <see cref="AuditFileOptions"/>.</remarks>
public sealed class InfernumAuditSettings
{
    /// <summary>Whether events are written. Default <see langword="true"/>. Live.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether <c>client_ip</c> is written. Default <see langword="true"/>. Live.</summary>
    public bool LogClientIp { get; set; } = true;

    /// <summary>Whether <c>key_prefix</c> is written. Default <see langword="true"/>. Live.</summary>
    public bool LogKeyPrefix { get; set; } = true;

    /// <summary>UTF-16 chars of a key written as its <c>key_prefix</c>, 0–256. Default 8. Live.</summary>
    public int KeyPrefixLength { get; set; } = 8;

    /// <summary>
    /// The HMAC-SHA256 key of <see cref="AuditRedactAttribute"/> fingerprints, as base64 of at least 16 bytes (for
    /// example the output of <c>openssl rand -base64 32</c>). Default <see langword="null"/>: a random key per process,
    /// so fingerprints do not correlate across restarts. Set it to keep them stable. It is a secret: keep it out of
    /// files others can read (an environment variable <c>Audit__RedactionKey</c> or a secret store); it is never
    /// written to a log or an error message. Live: a reload that changes it changes fingerprints from then on.
    /// </summary>
    public string? RedactionKey { get; set; }

    /// <summary>
    /// Whether lines carry <c>trace_id</c> and <c>span_id</c> of the current W3C activity, so they join OpenTelemetry
    /// traces. Default <see langword="false"/>. Live.
    /// </summary>
    public bool WriteTraceContext { get; set; }

    /// <summary>Where lines go. Default <see cref="AuditSinkKind.File"/>.</summary>
    public AuditSinkKind Sink { get; set; } = AuditSinkKind.File;

    /// <summary>
    /// The file, for <see cref="AuditSinkKind.File"/>. Default <c>logs/audit.jsonl</c>. A relative path is taken
    /// from the host's content root (<c>IHostEnvironment.ContentRootPath</c>), not the working directory.
    /// </summary>
    public string FilePath { get; set; } = "logs/audit.jsonl";

    /// <summary>Roll the file past this many bytes: 0 never rolls; otherwise at least 65536. Default 0.</summary>
    public long MaxFileBytes { get; set; }

    /// <summary>Rolled files kept besides the current one, 1–10,000. Default 10.</summary>
    public int RetainedFiles { get; set; } = 10;

    /// <summary>
    /// A second folder searched for rotated files when the file opens (logrotate's <c>olddir</c>), relative to the
    /// file's folder. Default <see langword="null"/>: only the file's folder.
    /// </summary>
    public string? RotatedFolder { get; set; }

    /// <summary>When lines are forced to the disk. Default <see cref="AuditFsyncPolicy.None"/> (only when the host stops).</summary>
    public AuditFsyncPolicy Fsync { get; set; } = AuditFsyncPolicy.None;

    /// <summary>The interval of <see cref="AuditFsyncPolicy.Interval"/>, 1 ms – 1 hour. Default 1 s (<c>"00:00:01"</c>).</summary>
    public TimeSpan FsyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The bound on buffered bytes, 65536 – 1073741824. Default 4194304 (4 MiB).</summary>
    public long MaxBufferedBytes { get; set; } = AuditDeliveryOptions.DefaultMaxBufferedBytes;

    /// <summary>What an event does when the buffer is full. Default <see cref="AuditFullMode.Block"/>.</summary>
    public AuditFullMode FullMode { get; set; } = AuditFullMode.Block;

    /// <summary>How long a blocked event waits, 0 – 1 minute. Default 500 ms (<c>"00:00:00.500"</c>).</summary>
    public TimeSpan BlockTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long disposing waits for the sink to take every line, more than 0 and at most 1 hour. Default 30 s (<c>"00:00:30"</c>).</summary>
    public TimeSpan DisposeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether lines end with <c>seq</c>. Default <see langword="true"/>.</summary>
    public bool WriteSequenceNumbers { get; set; } = true;

    /// <summary>Where timestamps come from: <c>System</c> (read for every event) or <c>Coarse</c> (1–16 ms resolution, cheaper). Default <see cref="AuditClock.System"/>.</summary>
    public AuditClock Clock { get; set; } = AuditClock.System;

    /// <summary>Whether lines also (or only) go to Microsoft.Extensions.Logging. Default <see cref="AuditLoggerBridgeMode.None"/>.</summary>
    public AuditLoggerBridgeMode ForwardToLogger { get; set; } = AuditLoggerBridgeMode.None;

    /// <summary>Every setting by its name (as a configuration key), with its value: the list unknown keys are checked against.</summary>
    internal static IReadOnlyList<KeyValuePair<string, Func<InfernumAuditSettings, object?>>> All { get; } =
    [
        new(nameof(Enabled), static s => s.Enabled),
        new(nameof(LogClientIp), static s => s.LogClientIp),
        new(nameof(LogKeyPrefix), static s => s.LogKeyPrefix),
        new(nameof(KeyPrefixLength), static s => s.KeyPrefixLength),
        new(nameof(RedactionKey), static s => s.RedactionKey),
        new(nameof(WriteTraceContext), static s => s.WriteTraceContext),
        new(nameof(Sink), static s => s.Sink),
        new(nameof(FilePath), static s => s.FilePath),
        new(nameof(MaxFileBytes), static s => s.MaxFileBytes),
        new(nameof(RetainedFiles), static s => s.RetainedFiles),
        new(nameof(RotatedFolder), static s => s.RotatedFolder),
        new(nameof(Fsync), static s => s.Fsync),
        new(nameof(FsyncInterval), static s => s.FsyncInterval),
        new(nameof(MaxBufferedBytes), static s => s.MaxBufferedBytes),
        new(nameof(FullMode), static s => s.FullMode),
        new(nameof(BlockTimeout), static s => s.BlockTimeout),
        new(nameof(DisposeTimeout), static s => s.DisposeTimeout),
        new(nameof(WriteSequenceNumbers), static s => s.WriteSequenceNumbers),
        new(nameof(Clock), static s => s.Clock),
        new(nameof(ForwardToLogger), static s => s.ForwardToLogger),
    ];

    /// <summary>The settings applied when the host starts; a reload leaves them as they were.</summary>
    internal static IReadOnlyList<string> StartOnly { get; } =
    [
        nameof(Sink), nameof(FilePath), nameof(MaxFileBytes), nameof(RetainedFiles), nameof(RotatedFolder), nameof(Fsync), nameof(FsyncInterval),
        nameof(MaxBufferedBytes), nameof(FullMode), nameof(BlockTimeout), nameof(DisposeTimeout), nameof(WriteSequenceNumbers),
        nameof(Clock), nameof(ForwardToLogger),
    ];

    /// <summary>The redaction key's bytes; call only on validated settings.</summary>
    internal byte[]? RedactionKeyBytes() => RedactionKey is null ? null : Convert.FromBase64String(RedactionKey);

    internal AuditOptions ToOptions() => new()
    {
        Enabled = Enabled,
        LogClientIp = LogClientIp,
        LogKeyPrefix = LogKeyPrefix,
        KeyPrefixLength = KeyPrefixLength,
        RedactionKey = RedactionKeyBytes(),
        WriteTraceContext = WriteTraceContext,
    };

    internal AuditFileOptions ToFileOptions() => new()
    {
        MaxFileBytes = MaxFileBytes,
        RetainedFiles = RetainedFiles,
        RotatedFolder = RotatedFolder,
        Fsync = Fsync,
        FsyncInterval = FsyncInterval,
    };

    private static readonly System.Runtime.InteropServices.PosixSignal[] s_hostSignals =
        [System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM, System.Runtime.InteropServices.PosixSignal.SIGQUIT];

    internal AuditDeliveryOptions ToDeliveryOptions(Action<AuditSinkFault>? onSinkFault) => new()
    {
        MaxBufferedBytes = MaxBufferedBytes,
        FullMode = FullMode,
        BlockTimeout = BlockTimeout,
        DisposeTimeout = DisposeTimeout,
        WriteSequenceNumbers = WriteSequenceNumbers,
        Clock = Clock,
        OnSinkFault = onSinkFault,

        // The host's console lifetime turns SIGINT, SIGTERM and SIGQUIT into an orderly stop that disposes the logger
        // after every hosted service has stopped (events logged during that stop are still taken). Any other
        // termination signal (SIGHUP) it does not handle ends the process at once: the logger drains on it itself.
        DrainOnTerminationSignals = true,
        SignalsHandledByHost = s_hostSignals,
    };
}
