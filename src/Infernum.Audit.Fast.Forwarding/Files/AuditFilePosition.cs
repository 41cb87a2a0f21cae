namespace Infernum.Audit.Fast.Forwarding.Files;

/// <summary>A place in the set of audit files: the file (by <see cref="AuditFileIdentity"/>) and an octet offset in it.</summary>
/// <param name="FileId">The file's identity; <see langword="null"/> before any file has a complete first line.</param>
/// <param name="Offset">Octets from the start of that file: just after a line's <c>\n</c>.</param>
internal readonly record struct AuditFilePosition(string? FileId, long Offset);
