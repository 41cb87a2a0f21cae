using System.Diagnostics;
using System.IO;
using Xunit;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Runs the real logrotate (Debian package <c>logrotate</c>; <c>.ci/run</c> installs it) once on one file.</summary>
internal static class Logrotate
{
    /// <summary>Forces one rotation of <paramref name="file"/> in <paramref name="mode"/> (<c>copytruncate</c>, <c>create</c> or <c>nocreate</c>, and any other directives after it, e.g. <c>"nocreate\n compress"</c>).</summary>
    public static void Run(string file, string mode, string workFolder)
    {
        string binary = File.Exists("/usr/sbin/logrotate") ? "/usr/sbin/logrotate" : "logrotate";
        string config = Path.Combine(workFolder, "logrotate.conf");
        File.WriteAllText(config, $"\"{file}\" {{\n    {mode}\n    rotate 5\n    missingok\n}}\n");
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("--force");
        start.ArgumentList.Add("--state");
        start.ArgumentList.Add(Path.Combine(workFolder, "logrotate.state"));
        start.ArgumentList.Add(config);
        using Process process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "logrotate did not finish");
        Assert.True(process.ExitCode == 0, "logrotate failed: " + errors);
    }
}
