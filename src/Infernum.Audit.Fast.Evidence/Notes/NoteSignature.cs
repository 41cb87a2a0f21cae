namespace Infernum.Audit.Fast.Evidence.Notes;

/// <summary>One signature line of a C2SP signed note: <c>— name base64(key ID ‖ signature)</c>.</summary>
/// <param name="Name">The key name.</param>
/// <param name="KeyId">The 32-bit key ID (the first four decoded bytes, big-endian).</param>
/// <param name="Signature">The signature bytes after the key ID (64 for Ed25519).</param>
public sealed record NoteSignature(string Name, uint KeyId, byte[] Signature);
