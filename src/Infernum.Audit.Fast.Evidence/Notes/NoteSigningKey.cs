using System;
using System.Globalization;
using NSec.Cryptography;

namespace Infernum.Audit.Fast.Evidence.Notes;

/// <summary>
/// A private Ed25519 key that signs C2SP signed notes, written as
/// <c>PRIVATE+KEY+name+keyhash+base64(0x01 ‖ 32-byte seed)</c> (the signer key form of <c>golang.org/x/mod/sumdb/note</c>).
/// </summary>
/// <remarks>Keep it off the machine that holds the files it protects where you can (see docs/evidence.md).</remarks>
public sealed class NoteSigningKey : IDisposable
{
    private const string Prefix = "PRIVATE+KEY+";
    private readonly Key _key;

    private NoteSigningKey(string name, Key key)
    {
        _key = key;
        Name = name;
        VerifierKey = NoteVerifierKey.Create(name, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The matching public key, to pin in verifiers.</summary>
    public NoteVerifierKey VerifierKey { get; }

    /// <summary>Creates a new random key.</summary>
    /// <param name="name">The key name: printable ASCII without spaces, <c>+</c>, <c>"</c> or <c>\</c>; a schema-less URL is recommended.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    public static NoteSigningKey Generate(string name)
    {
        NoteKeyName.Validate(name, nameof(name));
        return new NoteSigningKey(name, Key.Create(SignatureAlgorithm.Ed25519, Exportable()));
    }

    /// <summary>Creates a key from a name and a 32-byte Ed25519 seed (RFC 8032 private key).</summary>
    /// <param name="name">The key name.</param>
    /// <param name="seed">32 bytes.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException">The name is invalid or the seed is not 32 bytes.</exception>
    public static NoteSigningKey FromSeed(string name, ReadOnlySpan<byte> seed)
    {
        NoteKeyName.Validate(name, nameof(name));
        if (seed.Length != 32)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed));
        }

        return new NoteSigningKey(name, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, Exportable()));
    }

    /// <summary>Parses <c>PRIVATE+KEY+name+keyhash+base64(0x01 ‖ seed)</c>.</summary>
    /// <param name="text">The signer key.</param>
    /// <returns>The key.</returns>
    /// <exception cref="FormatException">The text is not an Ed25519 signer key, or its keyhash does not match.</exception>
    public static NoteSigningKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException("A signer key starts with PRIVATE+KEY+.");
        }

        string[] parts = text[Prefix.Length..].Split('+', 3);
        if (parts.Length != 3 || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint hash))
        {
            throw new FormatException("A signer key is PRIVATE+KEY+name+keyhash+base64.");
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException e)
        {
            throw new FormatException("The signer key's key is not base64.", e);
        }

        if (blob.Length != 33 || blob[0] != NoteKeyName.Ed25519Type)
        {
            throw new FormatException("Not an Ed25519 (type 0x01) signer key.");
        }

        NoteSigningKey key;
        try
        {
            key = FromSeed(parts[0], blob.AsSpan(1));
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
        finally
        {
            Array.Clear(blob);
        }

        if (key.VerifierKey.KeyId != hash)
        {
            key.Dispose();
            throw new FormatException("The signer key's keyhash does not match its name and key.");
        }

        return key;
    }

    /// <summary>Signs <paramref name="message"/> with Ed25519 (RFC 8032).</summary>
    /// <param name="message">The bytes to sign.</param>
    /// <param name="signature">Receives 64 bytes.</param>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature) => SignatureAlgorithm.Ed25519.Sign(_key, message, signature);

    /// <summary>The key as <c>PRIVATE+KEY+name+keyhash+base64(0x01 ‖ seed)</c>. Treat the result as a secret.</summary>
    /// <returns>The signer key text.</returns>
    public string Export()
    {
        byte[] seed = _key.Export(KeyBlobFormat.RawPrivateKey);
        byte[] blob = new byte[33];
        blob[0] = NoteKeyName.Ed25519Type;
        seed.CopyTo(blob, 1);
        string text = Prefix + Name + "+" + VerifierKey.KeyId.ToString("x8", CultureInfo.InvariantCulture) + "+" + Convert.ToBase64String(blob);
        Array.Clear(seed);
        Array.Clear(blob);
        return text;
    }

    /// <summary>Releases the key.</summary>
    public void Dispose() => _key.Dispose();

    private static KeyCreationParameters Exportable() => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
}
