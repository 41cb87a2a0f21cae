using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Starts the CrashWriter child process (tests/Infernum.Audit.Fast.CrashWriter): a real second process logging to a file.</summary>
internal static class CrashWriter
{
    /// <summary>Starts it on <paramref name="path"/> ("-" for standard output); without a count it logs until killed.</summary>
    public static Process Start(string path, int? count)
    {
        string writer = Path.Combine(AppContext.BaseDirectory, "Infernum.Audit.Fast.CrashWriter.dll");
        Assert.True(File.Exists(writer), "missing " + writer);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(path);
        if (count is { } n)
        {
            start.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
        }

        return Process.Start(start)!;
    }
}
