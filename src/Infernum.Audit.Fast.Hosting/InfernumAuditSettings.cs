using System;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>
/// Every setting of the host's audit logger, bindable from configuration (for example the <c>Audit</c> section of
/// appsettings.json). <see cref="Enabled"/>, <see cref="LogClientIp"/> and <see cref="LogKeyPrefix"/> change live on a
/// configuration reload; the others apply when the host starts. Validated at start-up.
/// </summary>
public sealed class InfernumAuditSettings
{
    /// <summary>Whether events are written. Live.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether <c>client_ip</c> is written. Live.</summary>
    public bool LogClientIp { get; set; } = true;

    /// <summary>Whether <c>key_prefix</c> is written. Live.</summary>
    public bool LogKeyPrefix { get; set; } = true;

    /// <summary>Chars of a key written as its prefix, 0–256. Live.</summary>
    public int KeyPrefixLength { get; set; } = 8;

    /// <summary>Where lines go.</summary>
    public AuditSinkKind Sink { get; set; } = AuditSinkKind.File;

    /// <summary>The file, for <see cref="AuditSinkKind.File"/>.</summary>
    public string FilePath { get; set; } = "logs/audit.jsonl";

    /// <summary>Roll the file past this many bytes (0: never; otherwise at least 65536).</summary>
    public long MaxFileBytes { get; set; }

    /// <summary>Rolled files kept, 1–10,000.</summary>
    public int RetainedFiles { get; set; } = 10;

    /// <summary>When lines are forced to the disk.</summary>
    public AuditFsyncPolicy Fsync { get; set; } = AuditFsyncPolicy.None;

    /// <summary>The bound on buffered bytes, 64 KiB – 1 GiB.</summary>
    public long MaxBufferedBytes { get; set; } = AuditDeliveryOptions.DefaultMaxBufferedBytes;

    /// <summary>What an event does when the buffer is full.</summary>
    public AuditFullMode FullMode { get; set; } = AuditFullMode.Block;

    /// <summary>How long a blocked event waits, 0 – 1 minute.</summary>
    public TimeSpan BlockTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Whether lines end with <c>seq</c>.</summary>
    public bool WriteSequenceNumbers { get; set; } = true;

    /// <summary>Where timestamps come from: <c>System</c> (every event) or <c>Coarse</c> (milliseconds, cheaper).</summary>
    public AuditClock Clock { get; set; } = AuditClock.System;

    /// <summary>Whether lines also (or only) go to Microsoft.Extensions.Logging.</summary>
    public AuditLoggerBridgeMode ForwardToLogger { get; set; } = AuditLoggerBridgeMode.None;

    internal AuditOptions ToOptions() => new()
    {
        Enabled = Enabled,
        LogClientIp = LogClientIp,
        LogKeyPrefix = LogKeyPrefix,
        KeyPrefixLength = KeyPrefixLength,
    };
}
