namespace Infernum.Audit.Fast.Evidence.Verification;

/// <summary>The first failure found in a file set.</summary>
/// <param name="File">The file's path or name.</param>
/// <param name="Line">The 1-based line number: the first line that fails (for <see cref="EvidenceFailureKind.Truncated"/>, the first missing line).</param>
/// <param name="Kind">How it fails.</param>
/// <param name="Message">A sentence for people.</param>
public sealed record EvidenceFailure(string File, long Line, EvidenceFailureKind Kind, string Message)
{
    /// <summary>The failure as <c>file:line: kind: message</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{File}:{Line}: {Kind}: {Message}";
}
