using System;
using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Evidence;

/// <summary>Settings of the evidence layer (<see cref="AuditEvidence.ToFile"/>).</summary>
public sealed record AuditEvidenceOptions
{
    private readonly int _checkpointLines = DefaultCheckpointLines;
    private readonly TimeSpan _checkpointInterval = DefaultCheckpointInterval;
    private readonly string? _origin;

    /// <summary>
    /// Lines between checkpoints by count: 4,096. With <see cref="DefaultCheckpointInterval"/> this bounds the
    /// unsigned tail to about a second of lines, and each checkpoint line to about 16 KiB of leaf prefixes.
    /// </summary>
    public const int DefaultCheckpointLines = 4096;

    /// <summary>The longest a written line stays outside a checkpoint: 1 second.</summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The Ed25519 key that signs checkpoints. Required. Load it from configuration or a secret store with
    /// <see cref="NoteSigningKey.Parse"/>; it never comes from the file. A key other than the one the file was signed
    /// with so far is recorded as an <c>audit_key_rotated</c> line when the file is opened.
    /// </summary>
    public required NoteSigningKey SigningKey { get; init; }

    /// <summary>
    /// The origin prefix of each file's checkpoints: a file's origin is <c>{Origin}/{16 random hex digits}</c>, chosen
    /// when the file is created. Default: the key name. Printable ASCII without spaces, <c>+</c>, <c>"</c> or <c>\</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The value breaks those rules.</exception>
    public string? Origin
    {
        get => _origin;
        init
        {
            if (value is not null)
            {
                NoteKeyName.Validate(value, nameof(Origin));
            }

            _origin = value;
        }
    }

    /// <summary>
    /// A checkpoint follows once this many lines were written since the last one. Default 4,096; 1 to 1,000,000. While
    /// the sink's hashing thread is more than 64 KiB of lines behind, it signs the lines hashed so far rather than make
    /// the writer wait, and the next checkpoint signs the rest (docs/evidence.md, "When checkpoints are written").
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 – 1,000,000.</exception>
    public int CheckpointLines
    {
        get => _checkpointLines;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(CheckpointLines));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1_000_000, nameof(CheckpointLines));
            _checkpointLines = value;
        }
    }

    /// <summary>
    /// A checkpoint follows at most this long after a line was written, even when no more lines come. Default 1 s;
    /// 10 ms to 1 hour.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 10 ms – 1 hour.</exception>
    public TimeSpan CheckpointInterval
    {
        get => _checkpointInterval;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(10), nameof(CheckpointInterval));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromHours(1), nameof(CheckpointInterval));
            _checkpointInterval = value;
        }
    }

    /// <summary>
    /// Called with each checkpoint after it is in the file, on the thread that wrote it (the logger's writer thread,
    /// or the evidence layer's timer when lines stop coming): ship it off the machine from here, without blocking.
    /// Exceptions it throws are ignored.
    /// </summary>
    public Action<AuditCheckpoint>? OnCheckpoint { get; init; }
}
