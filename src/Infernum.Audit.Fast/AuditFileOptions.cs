using System;

namespace Infernum.Audit.Fast;

/// <summary>Settings of a file sink (<see cref="AuditSink.ToFile(string, AuditFileOptions)"/>).</summary>
public sealed record AuditFileOptions
{
    private readonly long _maxFileBytes;
    private readonly int _retainedFiles = 10;
    private readonly TimeSpan _fsyncInterval = TimeSpan.FromSeconds(1);
    private readonly AuditFsyncPolicy _fsync = AuditFsyncPolicy.None;

    /// <summary>
    /// Roll the file when it would grow past this many bytes: <c>audit.jsonl</c> becomes <c>audit.1.jsonl</c>, older
    /// ones shift up, and a new <c>audit.jsonl</c> starts. 0 (the default) never rolls; otherwise at least 64 KiB.
    /// The held file is closed only once its successor is open; a roll that fails (a rename refused, a folder in the
    /// way, permission denied) leaves it open and is retried with the batch, which waits in the logger's bounded buffer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, or positive and under 64 KiB.</exception>
    public long MaxFileBytes
    {
        get => _maxFileBytes;
        init
        {
            if (value < 0 || (value > 0 && value < 64 * 1024))
            {
                throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), value, "MaxFileBytes must be 0 (never roll) or at least 65536.");
            }

            _maxFileBytes = value;
        }
    }

    /// <summary>How many rolled files to keep besides the current one (default 10, 1 to 10,000); older ones are deleted.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 – 10,000.</exception>
    public int RetainedFiles
    {
        get => _retainedFiles;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(RetainedFiles));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10_000, nameof(RetainedFiles));
            _retainedFiles = value;
        }
    }

    /// <summary>When lines are forced to the disk. Default <see cref="AuditFsyncPolicy.None"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not defined.</exception>
    public AuditFsyncPolicy Fsync
    {
        get => _fsync;
        init => _fsync = OptionGuard.Defined(value, nameof(Fsync));
    }

    /// <summary>The interval of <see cref="AuditFsyncPolicy.Interval"/>. Default 1 s; 1 ms to 1 hour.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 ms – 1 hour.</exception>
    public TimeSpan FsyncInterval
    {
        get => _fsyncInterval;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1), nameof(FsyncInterval));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromHours(1), nameof(FsyncInterval));
            _fsyncInterval = value;
        }
    }

    /// <summary>
    /// Called once when opening the file found an unterminated last line (left by a crash) and cut it off,
    /// with the number of bytes removed. Exceptions it throws are ignored.
    /// </summary>
    public Action<string, long>? OnRepaired { get; init; }

    /// <summary>
    /// A second folder where rotated files are looked for when the file is opened, for logrotate's <c>olddir</c>
    /// (relative to the file's folder, as logrotate reads it). Default <see langword="null"/>: only the file's own
    /// folder. Without it, files that <c>olddir</c> moved away are not seen, and a file opened empty after such a
    /// rotation starts at <c>seq</c> 1.
    /// </summary>
    public string? RotatedFolder { get; init; }

    /// <summary>
    /// Called on the writer thread when the file sink goes on in another file at its path (<see langword="false"/>:
    /// the file was renamed or deleted) or in a file truncated under it (<see langword="true"/>), before it writes
    /// there; returns complete lines to write there first (kept and written before the next batch until written),
    /// or <see langword="null"/>. For the evidence layer, which starts a new tree there.
    /// </summary>
    internal Func<bool, byte[]?>? OnReopened { get; init; }

    /// <summary>The defaults: append, no rolling, no fsync before disposal.</summary>
    public static AuditFileOptions Default { get; } = new();
}
