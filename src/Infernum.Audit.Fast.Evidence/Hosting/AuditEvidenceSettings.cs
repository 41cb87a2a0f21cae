using System;

namespace Infernum.Audit.Fast.Evidence.Hosting;

/// <summary>
/// Tamper evidence for the host's audit file, bound from configuration by
/// <c>AddInfernumAuditEvidence</c> (for example the section <c>Audit:Evidence</c>). Read once, when the host starts;
/// a reload does not change them. Exactly one of <see cref="SigningKeyFile"/> and <see cref="SigningKey"/> is set.
/// </summary>
public sealed class AuditEvidenceSettings
{
    /// <summary>
    /// A file holding the signing key, in the signed-note form <c>PRIVATE+KEY+name+keyhash+base64</c> (C2SP
    /// signed-note; <see cref="Notes.NoteSigningKey.Export"/>), such as a mounted secret (<c>/run/secrets/audit-signing-key</c>).
    /// Relative paths are resolved against the host's content root. At most 4,096 characters; whitespace and a byte order
    /// mark around the key are ignored. Never the audit file itself, by any name (a symbolic or hard link to it is refused).
    /// </summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>
    /// The signing key itself, in the same form, for configuration providers that hold secrets (user secrets, a key
    /// vault, an environment variable). Prefer <see cref="SigningKeyFile"/> where the key can be a file.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>The origin prefix of each file's checkpoints (<see cref="AuditEvidenceOptions.Origin"/>). Default: the key name.</summary>
    public string? Origin { get; set; }

    /// <summary>Lines between checkpoints (<see cref="AuditEvidenceOptions.CheckpointLines"/>): 1 to 1,000,000; default 4,096.</summary>
    public int CheckpointLines { get; set; } = AuditEvidenceOptions.DefaultCheckpointLines;

    /// <summary>The longest a line stays outside a checkpoint (<see cref="AuditEvidenceOptions.CheckpointInterval"/>): 10 ms to 1 hour; default 1 s.</summary>
    public TimeSpan CheckpointInterval { get; set; } = AuditEvidenceOptions.DefaultCheckpointInterval;
}
