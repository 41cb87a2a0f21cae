using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Evidence;

/// <summary>A checkpoint the evidence layer wrote into a file, as handed to <see cref="AuditEvidenceOptions.OnCheckpoint"/>.</summary>
/// <param name="Path">The full path of the file it was written into (the current file; after a roll, the rolled one's contents moved).</param>
/// <param name="Note">The whole C2SP signed note (text, blank line, signature line), ready to store or send elsewhere.</param>
/// <param name="Checkpoint">The note's parsed C2SP tlog-checkpoint text: origin, tree size, root hash.</param>
public sealed record AuditCheckpoint(string Path, string Note, Checkpoint Checkpoint);
