using System.Collections.Generic;
using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Evidence.Verification;

/// <summary>What <see cref="AuditVerifier"/> trusts and expects.</summary>
public sealed record AuditVerifierOptions
{
    /// <summary>The pinned verifier keys: every checkpoint must be signed by one of them (the file's current one).</summary>
    public required IReadOnlyList<NoteVerifierKey> Keys { get; init; }

    /// <summary>
    /// <see langword="false"/> (the default): the newest file must end with its closing checkpoint (the logger was
    /// disposed). <see langword="true"/>: the newest file may still be written to; lines after its last checkpoint
    /// are reported as a notice, and only <see cref="ExternalCheckpoints"/> can show that its tail was cut.
    /// </summary>
    public bool Live { get; init; }

    /// <summary>Signed checkpoint notes kept elsewhere (as <see cref="AuditEvidenceOptions.OnCheckpoint"/> shipped them): each must match the lines of the file with its origin.</summary>
    public IReadOnlyList<string> ExternalCheckpoints { get; init; } = [];
}
