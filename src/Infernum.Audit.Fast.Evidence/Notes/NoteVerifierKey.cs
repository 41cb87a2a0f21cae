using System;
using System.Globalization;
using NSec.Cryptography;

namespace Infernum.Audit.Fast.Evidence.Notes;

/// <summary>
/// A public Ed25519 key that checks C2SP signed-note signatures, written as <c>name+keyhash+base64(0x01 ‖ public key)</c>
/// (the verifier key form of <c>golang.org/x/mod/sumdb/note</c>; keyhash is the 8-hex-digit key ID of C2SP signed-note).
/// </summary>
public sealed class NoteVerifierKey
{
    private readonly NSec.Cryptography.PublicKey _key;
    private readonly byte[] _publicKey;

    private NoteVerifierKey(string name, byte[] publicKey)
    {
        _key = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey);
        _publicKey = publicKey;
        Name = name;
        KeyId = NoteKeyName.KeyId(name, publicKey);
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The key ID: the first four bytes, big-endian, of <c>SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)</c>.</summary>
    public uint KeyId { get; }

    /// <summary>The 32-byte Ed25519 public key (RFC 8032).</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>Creates a verifier key from a name and a raw 32-byte Ed25519 public key.</summary>
    /// <param name="name">The key name: printable ASCII without spaces, <c>+</c>, <c>"</c> or <c>\</c>.</param>
    /// <param name="publicKey">32 bytes.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException">The name is invalid or the key is not a valid Ed25519 public key.</exception>
    public static NoteVerifierKey Create(string name, ReadOnlySpan<byte> publicKey)
    {
        NoteKeyName.Validate(name, nameof(name));
        if (publicKey.Length != 32)
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(publicKey));
        }

        try
        {
            return new NoteVerifierKey(name, publicKey.ToArray());
        }
        catch (FormatException e)
        {
            throw new ArgumentException("Not a valid Ed25519 public key.", nameof(publicKey), e);
        }
    }

    /// <summary>Parses <c>name+keyhash+base64(0x01 ‖ 32-byte public key)</c>.</summary>
    /// <param name="text">The verifier key.</param>
    /// <returns>The key.</returns>
    /// <exception cref="FormatException">The text is not an Ed25519 verifier key, or its keyhash does not match its name and key.</exception>
    public static NoteVerifierKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('+', 3);
        if (parts.Length != 3 || parts[1].Length != 8)
        {
            throw new FormatException($"'{text}' is not a verifier key: expected name+keyhash+base64.");
        }

        byte[] blob;
        try
        {
            blob = StrictBase64.Decode(parts[2]);
        }
        catch (FormatException e)
        {
            throw new FormatException($"'{text}': the key is not base64.", e);
        }

        if (blob.Length != 33 || blob[0] != NoteKeyName.Ed25519Type)
        {
            throw new FormatException($"'{text}' is not an Ed25519 (type 0x01) verifier key.");
        }

        if (!uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint hash))
        {
            throw new FormatException($"'{text}': the keyhash is not 8 hex digits.");
        }

        NoteVerifierKey key;
        try
        {
            NoteKeyName.Validate(parts[0], nameof(text));
            key = new NoteVerifierKey(parts[0], blob[1..]);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{text}': {e.Message}", e);
        }

        if (key.KeyId != hash)
        {
            throw new FormatException($"'{text}': the keyhash {parts[1]} does not match the name and key ({key.KeyId:x8}).");
        }

        return key;
    }

    /// <summary>Checks an Ed25519 signature (RFC 8032) over <paramref name="message"/>.</summary>
    /// <param name="message">The signed bytes: for a note, its text including the final newline.</param>
    /// <param name="signature">64 bytes.</param>
    /// <returns><see langword="true"/> when the signature is valid.</returns>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
        => signature.Length == 64 && SignatureAlgorithm.Ed25519.Verify(_key, message, signature);

    /// <summary>The key as <c>name+keyhash+base64(0x01 ‖ public key)</c>.</summary>
    /// <returns>The verifier key text.</returns>
    public override string ToString()
    {
        byte[] blob = new byte[33];
        blob[0] = NoteKeyName.Ed25519Type;
        _publicKey.CopyTo(blob, 1);
        return Name + "+" + KeyId.ToString("x8", CultureInfo.InvariantCulture) + "+" + Convert.ToBase64String(blob);
    }
}
