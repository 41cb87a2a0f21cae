using System;
using System.IO;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Infernum.Audit.Fast.Forwarding.Files;

/// <summary>
/// Names a file by its content rather than its path, so it is recognised after a roll renames it
/// (<c>audit.jsonl</c> to <c>audit.1.jsonl</c>) or logrotate's <c>copytruncate</c> copies it: the SHA-256 of its first
/// line (at most <see cref="PrefixBytes"/> octets). Audit lines carry a timestamp and a <c>seq</c>, so two files never
/// start with the same line. A file whose first line is still incomplete has no identity yet.
/// </summary>
internal static class AuditFileIdentity
{
    /// <summary>How much of the first line counts.</summary>
    public const int PrefixBytes = 1024;

    /// <summary>The identity of the open file, or <see langword="null"/> while its first line is incomplete.</summary>
    public static string? Of(SafeFileHandle handle)
    {
        Span<byte> prefix = stackalloc byte[PrefixBytes];
        int read = 0;
        while (read < PrefixBytes)
        {
            int n = RandomAccess.Read(handle, prefix[read..], read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        int newline = prefix[..read].IndexOf((byte)'\n');
        if (newline < 0 && read < PrefixBytes)
        {
            return null;
        }

        int length = newline < 0 ? read : newline + 1;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(prefix[..length], hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>The identity of the file at <paramref name="path"/>, or <see langword="null"/> if it is missing or has none yet.</summary>
    public static string? Of(string path)
    {
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Of(handle);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
