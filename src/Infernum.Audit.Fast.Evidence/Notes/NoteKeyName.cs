using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Infernum.Audit.Fast.Evidence.Notes;

// Key names and key IDs of C2SP signed-note ("Signatures").
internal static class NoteKeyName
{
    /// <summary>The signature type byte of Ed25519 in C2SP signed-note ("Signature types").</summary>
    internal const byte Ed25519Type = 0x01;

    // C2SP allows any non-empty name without Unicode spaces or '+'; this library also keeps names to printable ASCII
    // without '"' and '\', so a name goes into a JSON line and a command line unescaped.
    internal static void Validate(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameter);
        foreach (char c in name)
        {
            if (c <= ' ' || c >= 0x7F || c == '+' || c == '"' || c == '\\')
            {
                throw new ArgumentException(
                    $"The key name '{name}' must be printable ASCII without spaces, '+', '\"' or '\\' (C2SP signed-note forbids spaces and '+').",
                    parameter);
            }
        }
    }

    // key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4], big-endian (C2SP signed-note, "Ed25519 signatures").
    internal static uint KeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = 0x0A;
        input[nameBytes.Length + 1] = Ed25519Type;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }
}
