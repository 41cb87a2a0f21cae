using System.Collections.Generic;

namespace Infernum.Audit.Fast.Evidence.Verification;

/// <summary>The result of verifying a file set.</summary>
/// <param name="Failure">The first failure, or <see langword="null"/> when everything verified.</param>
/// <param name="Notices">Facts that are not failures: crash repairs, a set that starts after removed files, an unsigned live tail.</param>
/// <param name="Lines">Lines read.</param>
/// <param name="Checkpoints">Checkpoints verified.</param>
public sealed record EvidenceReport(EvidenceFailure? Failure, IReadOnlyList<string> Notices, long Lines, long Checkpoints)
{
    /// <summary>Whether the set verified.</summary>
    public bool IsValid => Failure is null;
}
