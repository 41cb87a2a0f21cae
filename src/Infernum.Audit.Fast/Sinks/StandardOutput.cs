using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>Opens the process's standard output for the audit sink so that a reader who went away is a write error.</summary>
/// <remarks>
/// <see cref="Console.OpenStandardOutput()"/> reports success for a write into a pipe whose reader has closed it
/// (<c>EPIPE</c>, e.g. <c>app | head -c 500</c>): the lines would count as written while going nowhere. On Unix a
/// pipe, socket or terminal on descriptor 1 is written through a <see cref="FileStream"/> instead, whose writes
/// throw <see cref="IOException"/> on <c>EPIPE</c>. A regular file on descriptor 1 (<c>app &gt; out.log</c>) keeps the
/// console stream: a <see cref="FileStream"/> would write at its own offset over whatever else the process prints.
/// On Windows the console stream is kept.
/// </remarks>
internal static class StandardOutput
{
    private const int Descriptor = 1;

    public static Stream Open()
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                var stream = new FileStream(new SafeFileHandle(Descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
                if (!stream.CanSeek)
                {
                    return stream;
                }

                stream.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // Descriptor 1 is closed or not a file; the console stream copes with that.
            }
        }

        return Console.OpenStandardOutput();
    }
}
