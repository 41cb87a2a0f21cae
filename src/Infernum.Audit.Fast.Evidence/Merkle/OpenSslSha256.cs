using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Infernum.Audit.Fast.Evidence.Merkle;

/// <summary>
/// SHA-256 through OpenSSL's <c>SHA256_Init</c>/<c>SHA256_Update</c>/<c>SHA256_Final</c>, in the <c>libcrypto</c> that
/// .NET itself uses on Linux, for the many short messages of a Merkle tree (a leaf per line, a node per line).
/// </summary>
/// <remarks>
/// <para>
/// Why not only <see cref="IncrementalHash"/> or <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>: on
/// Linux each of their calls goes through .NET's OpenSSL shim, which clears OpenSSL's thread error queue and
/// re-initialises an EVP context (a provider lookup in OpenSSL 3) per call. For a 65-byte node that overhead is
/// several times the hash itself, and the evidence sink hashes two short messages per line on the writer thread. The
/// low-level functions hash into a context on our stack with the same SHA-NI/AVX code and no such bookkeeping.
/// </para>
/// <para>
/// The hashing is OpenSSL's; this type only calls it. It is used only when the library loads, exports the three
/// functions and agrees with <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/> on a set of lengths that
/// cross every padding boundary; anywhere else (Windows, macOS, an OpenSSL without the low-level API)
/// <see cref="IsAvailable"/> is false and <see cref="MerkleTree"/> uses <see cref="IncrementalHash"/>.
/// </para>
/// </remarks>
internal static unsafe class OpenSslSha256
{
    // OpenSSL's SHA256_CTX is 112 bytes (1.1 and 3.x); room to spare in case a build pads it.
    private const int ContextBytes = 256;

    // Up to this many bytes an update runs without a GC transition: a few microseconds at most, which a GC
    // suspension can wait for. Longer ones (a very long line) take the ordinary transition.
    private const int ShortUpdateBytes = 16 * 1024;

    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, int> s_init;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int> s_updateShort;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int> s_update;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int> s_final;

    static OpenSslSha256()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (string name in (ReadOnlySpan<string>)["libcrypto.so.3", "libcrypto.so.1.1"])
        {
            if (NativeLibrary.TryLoad(name, out nint library)
                && NativeLibrary.TryGetExport(library, "SHA256_Init", out nint init)
                && NativeLibrary.TryGetExport(library, "SHA256_Update", out nint update)
                && NativeLibrary.TryGetExport(library, "SHA256_Final", out nint final))
            {
                s_init = (delegate* unmanaged[SuppressGCTransition]<byte*, int>)init;
                s_updateShort = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int>)update;
                s_update = (delegate* unmanaged<byte*, byte*, nuint, int>)update;
                s_final = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int>)final;
                IsAvailable = AgreesWithDotNet();
                return;
            }
        }
    }

    /// <summary>Whether the functions were found and hash as <see cref="SHA256"/> does.</summary>
    internal static bool IsAvailable { get; }

    /// <summary>SHA-256 of <paramref name="prefix"/> followed by <paramref name="data"/>, into 32 bytes.</summary>
    [SkipLocalsInit]
    internal static void Hash(byte prefix, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        byte* context = stackalloc byte[ContextBytes];
        Check(s_init(context));
        Check(s_updateShort(context, &prefix, 1));
        fixed (byte* bytes = data)
        {
            Update(context, bytes, data.Length);
        }

        fixed (byte* hash = destination)
        {
            Check(s_final(hash, context));
        }
    }

    /// <summary>SHA-256 of <paramref name="prefix"/> ‖ <paramref name="left"/> ‖ <paramref name="right"/>, into 32 bytes.</summary>
    [SkipLocalsInit]
    internal static void Hash(byte prefix, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        byte* context = stackalloc byte[ContextBytes];
        Check(s_init(context));
        Check(s_updateShort(context, &prefix, 1));
        fixed (byte* l = left)
        fixed (byte* r = right)
        {
            Update(context, l, left.Length);
            Update(context, r, right.Length);
        }

        fixed (byte* hash = destination)
        {
            Check(s_final(hash, context));
        }
    }

    private static void Update(byte* context, byte* data, int length)
    {
        if (length <= ShortUpdateBytes)
        {
            Check(s_updateShort(context, data, (nuint)length));
        }
        else
        {
            Check(s_update(context, data, (nuint)length));
        }
    }

    // The low-level functions return 1; anything else is a broken library, not a condition to go on from.
    private static void Check(int result)
    {
        if (result != 1)
        {
            ThrowFailed();
        }
    }

    private static void ThrowFailed() => throw new CryptographicException("OpenSSL's SHA256 functions failed.");

    private static bool AgreesWithDotNet()
    {
        try
        {
            // Lengths on both sides of each padding boundary (55/56 bytes left in a block, whole blocks, several blocks).
            Span<byte> expected = stackalloc byte[MerkleTree.HashSize];
            Span<byte> actual = stackalloc byte[MerkleTree.HashSize];
            byte[] data = new byte[ShortUpdateBytes + 300];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (byte)((i * 167) + 13);
            }

            foreach (int length in (ReadOnlySpan<int>)[0, 1, 54, 55, 56, 62, 63, 64, 65, 119, 120, 128, 300, data.Length - 1])
            {
                SHA256.HashData(data.AsSpan(0, length + 1), expected);
                Hash(data[0], data.AsSpan(1, length), actual);
                if (!expected.SequenceEqual(actual))
                {
                    return false;
                }
            }

            SHA256.HashData(data.AsSpan(0, 65), expected);
            Hash(data[0], data.AsSpan(1, 32), data.AsSpan(33, 32), actual);
            return expected.SequenceEqual(actual);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
