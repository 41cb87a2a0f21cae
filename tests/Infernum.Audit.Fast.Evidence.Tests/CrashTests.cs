using System;
using System.Diagnostics;
using System.IO;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>Real crashes: a child process logging through the evidence sink is killed with SIGKILL, again and again.</summary>
public sealed class CrashTests : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/crash-test", 31);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void KilledWriters_LeaveAnUnsignedTailOnly_AndTheReopenedSetVerifiesClean()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        string writer = Path.Combine(AppContext.BaseDirectory, "Infernum.Audit.Fast.Evidence.CrashWriter.dll");
        Assert.True(File.Exists(writer), "missing " + writer);
        Random random = new(20261130);
        for (int run = 0; run < 8; run++)
        {
            using Process child = Start(writer, path, null);
            Assert.Equal("ready", child.StandardOutput.ReadLine());
            System.Threading.Thread.Sleep(random.Next(50, 400));
            child.Kill(); // SIGKILL
            child.WaitForExit();

            // Killed: everything signed so far verifies; what follows the last checkpoint is a live, unsigned tail.
            EvidenceReport live = AuditVerifier.Verify(AuditEvidence.RolledSet(path), new AuditVerifierOptions { Keys = [_key.VerifierKey], Live = true });
            Assert.True(live.Failure is null, $"run {run}: {live.Failure}");
        }

        using (Process last = Start(writer, path, 5_000))
        {
            Assert.Equal("ready", last.StandardOutput.ReadLine());
            Assert.True(last.WaitForExit(120_000));
            Assert.Equal(0, last.ExitCode);
        }

        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.True(report.Failure is null, report.Failure?.ToString());
        Assert.True(AuditEvidence.RolledSet(path).Count > 1, "the runs rolled at least once");
    }

    private Process Start(string writer, string path, int? count)
    {
        ProcessStartInfo start = new("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(_key.Export());
        if (count is { } n)
        {
            start.ArgumentList.Add(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return Process.Start(start)!;
    }
}
