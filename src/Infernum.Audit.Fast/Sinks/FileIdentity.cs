using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>
/// Which file a handle or a path refers to (device and inode), its link count and its size: how the file sink notices
/// that another program renamed, deleted or truncated its file.
/// </summary>
/// <remarks>
/// On Linux it is read with <c>statx(2)</c> (glibc 2.28+), whose buffer has one layout on every architecture. Where
/// that is not available, <see cref="IsExact"/> is false and identity falls back to "the path exists and has the
/// handle's length", which notices a delete, a rename without <c>create</c>, and a rename with <c>create</c> once
/// the two lengths differ.
/// </remarks>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, uint Links, long Size)
{
    // statx(2): struct statx is 256 bytes; the offsets below are fixed by the kernel ABI for every architecture.
    private const int StatxSize = 256;
    private const int NlinkOffset = 16;
    private const int InodeOffset = 32;
    private const int SizeOffset = 40;
    private const int DevMajorOffset = 136;
    private const int DevMinorOffset = 140;
    private const uint StatxNlink = 0x4;
    private const uint StatxIno = 0x100;
    private const uint StatxSizeMask = 0x200;
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const int AtSymlinkNoFollow = 0x100;

    // fcntl(2) on Linux (every architecture but alpha, sparc, parisc, which .NET does not run on).
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int OAppend = 0x400;

    // fcntl(2) open-file-description locks; struct flock is { short l_type, l_whence; off_t l_start, l_len; pid_t l_pid }.
    private const int FOfdSetLk = 37;
    private const short FWrLck = 1;
    private const int FlockSize = 32;
    private const int FlockStartOffset = 8;
    private const int FlockLengthOffset = 16;

    // The byte the writer lock covers: far past any real file's end, so it never touches data (a lock does not grow the file).
    private const long WriterLockByte = 1L << 62;

    private static readonly byte[] EmptyPath = [0];
    private static bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Whether identities come from <c>statx</c> (device, inode, links) rather than the length fallback.</summary>
    public static bool IsExact => !s_unavailable;

    /// <summary>Whether this and <paramref name="other"/> are one file.</summary>
    public bool SameFile(FileIdentity other) => IsExact ? Device == other.Device && Inode == other.Inode : Size == other.Size;

    /// <summary>The identity of an open file.</summary>
    public static FileIdentity Of(SafeFileHandle handle, byte[] buffer)
    {
        if (!s_unavailable && Statx((int)handle.DangerousGetHandle(), EmptyPath, AtEmptyPath, buffer) == 0)
        {
            return Read(buffer);
        }

        return new FileIdentity(0, 0, 1, RandomAccess.GetLength(handle));
    }

    /// <summary>
    /// The identity of the file at a path (its UTF-8 bytes, NUL-terminated), or false if there is none. A symbolic link
    /// at the path is not followed: its identity is the link's own, never its target's.
    /// </summary>
    public static bool TryOf(string path, byte[] nulTerminatedPath, byte[] buffer, out FileIdentity identity)
    {
        if (!s_unavailable)
        {
            int result = Statx(AtFdCwd, nulTerminatedPath, AtSymlinkNoFollow, buffer);
            if (result == 0)
            {
                identity = Read(buffer);
                return true;
            }

            if (result == -2)
            {
                identity = default;
                return false;
            }
        }

        var info = new FileInfo(path);
        bool exists = info.Exists || info.LinkTarget is not null;
        identity = !exists ? default : info.LinkTarget is not null ? new FileIdentity(0, 0, 1, -1) : new FileIdentity(0, 0, 1, info.Length);
        return exists;
    }

    /// <summary>The path as statx takes it.</summary>
    public static byte[] NulTerminated(string path) => Encoding.UTF8.GetBytes(path + "\0");

    /// <summary>A buffer for the calls above (one per sink: they run on its writer thread only).</summary>
    public static byte[] NewBuffer() => new byte[StatxSize];

    /// <summary>
    /// Puts the open file in append mode (<c>O_APPEND</c>): every write lands at the file's end as it is at that moment,
    /// so a file truncated by another program gets no hole of NUL bytes. Returns false where this is not available.
    /// </summary>
    public static bool TrySetAppend(SafeFileHandle handle)
    {
        if (s_unavailable)
        {
            return false;
        }

        try
        {
            int fd = (int)handle.DangerousGetHandle();
            int flags = NativeMethods.fcntl(fd, FGetFl, 0);
            return flags >= 0 && NativeMethods.fcntl(fd, FSetFl, flags | OAppend) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
            return false;
        }
    }

    /// <summary>
    /// Takes the writer lock of the open file itself, keyed by the file (its inode), not by a name: an exclusive
    /// open-file-description record lock (<c>fcntl(F_OFD_SETLK)</c>) on one byte past any real end. Readers are never
    /// affected (it is advisory and separate from <c>flock</c>); a second writer reaching the same file through another
    /// name (a hard link) is refused. Released when the handle closes. Returns false if another description holds it;
    /// true also where such locks are not available.
    /// </summary>
    public static bool TryLockWriter(SafeFileHandle handle)
    {
        if (s_unavailable)
        {
            return true;
        }

        byte[] request = new byte[FlockSize];
        BitConverter.TryWriteBytes(request.AsSpan(0), FWrLck);
        BitConverter.TryWriteBytes(request.AsSpan(FlockStartOffset), WriterLockByte);
        BitConverter.TryWriteBytes(request.AsSpan(FlockLengthOffset), 1L);
        try
        {
            if (NativeMethods.fcntl(handle.DangerousGetHandle().ToInt32(), FOfdSetLk, ref request[0]) == 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            const int EACCES = 13, EAGAIN = 11;
            return errno is not EACCES and not EAGAIN; // EINVAL (an old kernel) or ENOLCK: no lock to rely on
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return true;
        }
    }

    // The kernel fills the buffer in the machine's own byte order.
    private static FileIdentity Read(byte[] buffer)
    {
        ReadOnlySpan<byte> b = buffer;
        ulong device = ((ulong)MemoryMarshal.Read<uint>(b[DevMajorOffset..]) << 32) | MemoryMarshal.Read<uint>(b[DevMinorOffset..]);
        return new FileIdentity(device, MemoryMarshal.Read<ulong>(b[InodeOffset..]), MemoryMarshal.Read<uint>(b[NlinkOffset..]), (long)MemoryMarshal.Read<ulong>(b[SizeOffset..]));
    }

    // 0 on success, -2 when the path does not exist (ENOENT), -1 on any other failure.
    private static int Statx(int dirfd, byte[] path, int flags, byte[] buffer)
    {
        try
        {
            if (NativeMethods.statx(dirfd, ref path[0], flags, StatxNlink | StatxIno | StatxSizeMask, ref buffer[0]) == 0)
            {
                return 0;
            }

            int errno = Marshal.GetLastPInvokeError();
            const int ENOENT = 2, ENOSYS = 38;
            if (errno == ENOSYS)
            {
                s_unavailable = true;
            }

            return errno == ENOENT ? -2 : -1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
            return -1;
        }
    }

    private static class NativeMethods
    {
#pragma warning disable CA5392, SYSLIB1054 // libc's own search path; LibraryImport needs unsafe code, which this assembly does not allow
        [DllImport("libc", SetLastError = true)]
        internal static extern int statx(int dirfd, ref byte pathname, int flags, uint mask, ref byte statxbuf);

        [DllImport("libc", SetLastError = true)]
        internal static extern int fcntl(int fd, int cmd, int arg);

        [DllImport("libc", SetLastError = true)]
        internal static extern int fcntl(int fd, int cmd, ref byte lockRequest);
#pragma warning restore CA5392, SYSLIB1054
    }
}
