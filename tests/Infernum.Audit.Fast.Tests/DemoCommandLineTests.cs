using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Tests;

/// <summary>The demo as a user meets it, run as a real process with its output redirected (as in CI or a pipe).</summary>
public sealed class DemoCommandLineTests : IDisposable
{
    private readonly TempFolder _temp = new("infernum-demo");

    public void Dispose() => _temp.Dispose();

    private (int Exit, string Out, string Error) Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Infernum.Audit.Fast.Demo.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "the demo did not finish in 2 minutes");
        return (process.ExitCode, output, error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_exits_0_with_the_usage(string flag)
    {
        (int exit, string output, string error) = Run(AppContext.BaseDirectory, flag);
        Assert.Equal(0, exit);
        Assert.Contains("--requests", output, StringComparison.Ordinal);
        Assert.Contains("--output", output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("--requests", "abc")]
    [InlineData("--requests", "0")]
    [InlineData("--requests", "99999999999999999999")]
    [InlineData("-n", "1_000x")]
    [InlineData("--threads", "x")]
    [InlineData("--threads", "0")]
    [InlineData("-t", "-3")]
    public void A_bad_number_is_a_one_line_error_and_exit_code_2(string option, string value)
    {
        (int exit, string output, string error) = Run(AppContext.BaseDirectory, option, value);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(value, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public void It_writes_where_it_says_and_its_progress_has_no_carriage_returns_when_redirected()
    {
        string work = _temp.File("cwd");
        Directory.CreateDirectory(work);
        string expected = Path.Combine(work, "out", "audit.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(expected)!);
        File.WriteAllText(expected, "left from an earlier run\n");

        (int exit, string output, string error) = Run(work, "--requests", "5_000", "--output", Path.Combine("out", "audit.jsonl"));

        Assert.True(exit == 0, output + error);
        Assert.DoesNotContain('\r', output);
        string first = output.Split('\n')[0];
        Assert.Contains("writing " + expected + " (replacing the file that was there)", first, StringComparison.Ordinal);
        Assert.Equal(5_000, File.ReadLines(expected).Count());
        Assert.Contains("VERDICT: PASS", output, StringComparison.Ordinal);
        // Every figure names its unit or what it counts.
        Assert.Contains("events/s", output, StringComparison.Ordinal);
        Assert.Contains("bytes allocated per event on the producer threads", output, StringComparison.Ordinal);
    }
}
