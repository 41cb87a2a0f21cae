using System;
using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Infernum.Audit.Fast.Json;

/// <summary>Keyed, truncated HMAC-SHA256 of a value: correlatable across lines, not recoverable. Computed on the stack.</summary>
internal static class Fingerprint
{
    private const int StackChars = 512;

    // Used when the options give no key: random per process.
    private static readonly byte[] s_processKey = RandomNumberGenerator.GetBytes(32);

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    public static int Write(scoped ReadOnlySpan<char> value, byte[]? key, Span<byte> destination)
    {
        byte[]? rented = null;
        int maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> utf8 = value.Length <= StackChars ? stackalloc byte[StackChars * 3 + 3] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            // Lone surrogates become U+FFFD here exactly as in the written text, so equal lines give equal fingerprints.
            int length = Encoding.UTF8.GetBytes(value, utf8);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(key ?? s_processKey, utf8.Slice(0, length), mac);
            for (int i = 0; i < AuditLineWriter.FingerprintLength / 2; i++)
            {
                destination[2 * i] = HexDigits[mac[i] >> 4];
                destination[(2 * i) + 1] = HexDigits[mac[i] & 0xF];
            }

            return AuditLineWriter.FingerprintLength;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
    }
}
