using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;
using Xunit.Abstractions;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>The evidence sink under real faults and unusual lines: a full file system, lines past the hashing thread's bound.</summary>
public sealed class EvidenceFaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/faults", 41);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64 * 1024)] // rolls, whose closing checkpoints and start lines meet the full disk too
    public void AFullDisk_WithEvidenceOn_LosesNoLine_AndTheFileVerifiesOnceRoomReturns(long maxFileBytes)
    {
        // A real full file system: a 512 KiB tmpfs (the tests run as root; elsewhere the mount is refused).
        string mountPoint = Path.Combine(_folder, "small");
        Directory.CreateDirectory(mountPoint);
        if (!Run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint))
        {
            output.WriteLine("SKIPPED: cannot mount a tmpfs here (needs root)");
            return;
        }

        try
        {
            string path = Path.Combine(mountPoint, "audit.jsonl");
            string filler = Path.Combine(mountPoint, "filler");
            File.WriteAllBytes(filler, new byte[400 * 1024]);
            AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 100, CheckpointInterval = TimeSpan.FromMilliseconds(20) };
            using (AuditLogger logger = new(AuditEvidence.ToFile(path, new AuditFileOptions { MaxFileBytes = maxFileBytes, RetainedFiles = 50 }, options)))
            {
                for (int i = 0; i < 1_500; i++)
                {
                    logger.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
                }

                Assert.True(SpinWait.SpinUntil(() => logger.Counters.WriteErrors > 0, TimeSpan.FromSeconds(10)), "the disk never filled");
                Thread.Sleep(300); // failed retries and failed timer checkpoints
                File.Delete(filler);
                logger.Flush();
                Assert.Equal(1_500, logger.Counters.Written);
            }

            var files = AuditEvidence.RolledSet(path);
            output.WriteLine($"{files.Count} files");
            Assert.All(files, f => Assert.DoesNotContain((byte)0, File.ReadAllBytes(f)));
            Assert.Equal(1_500, files.Sum(f => EvidenceFiles.Lines(f).Count(l => l.Contains("\"event_type\":\"auth_success\"", StringComparison.Ordinal))));
            EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
            Assert.True(report.Failure is null, report.Failure?.ToString());
        }
        finally
        {
            Run("umount", "-l", mountPoint);
        }
    }

    [Fact]
    public void AFolderThatRefusesRenames_WithEvidenceOn_LosesNoLine_AndTheSetVerifiesOnceItAllowsThemAgain()
    {
        // A real refusal: the folder is made immutable (chattr +i; EPERM even for root), so rolls cannot rename or create.
        string folder = Path.Combine(_folder, "logs");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "audit.jsonl");
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 50, CheckpointInterval = TimeSpan.FromMilliseconds(20) };
        using (AuditLogger logger = new(AuditEvidence.ToFile(path, new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 50 }, options)))
        {
            for (int i = 0; i < 200; i++)
            {
                logger.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
            }

            logger.Flush();
            if (!Run("chattr", "+i", folder))
            {
                output.WriteLine("SKIPPED: chattr +i is refused here (needs root and ext4/xfs)");
                return;
            }

            try
            {
                for (int i = 200; i < 1_500; i++)
                {
                    logger.AuthSuccess("req-" + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
                }

                Assert.True(SpinWait.SpinUntil(() => logger.Counters.WriteErrors > 0, TimeSpan.FromSeconds(10)), "no roll was refused");
                Thread.Sleep(300); // failed retries and timer checkpoints
            }
            finally
            {
                Run("chattr", "-i", folder);
            }

            logger.Flush();
            Assert.Equal(1_500, logger.Counters.Written);
        }

        var files = AuditEvidence.RolledSet(path);
        output.WriteLine($"{files.Count} files");
        Assert.Equal(1_500, files.Sum(f => EvidenceFiles.Lines(f).Count(l => l.Contains("\"event_type\":\"auth_success\"", StringComparison.Ordinal))));
        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.True(report.Failure is null, report.Failure?.ToString());
    }

    [Fact]
    public void LinesLongerThanTheHashingThreadsBound_AreHashedAndSigned_AcrossRolls()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 7 };
        string[] long_ = [new string('a', 1024 * 1024 + 1), new string('b', 2 * 1024 * 1024), new string('c', 1024 * 1024 - 200)];
        using (AuditLogger logger = new(AuditEvidence.ToFile(path, new AuditFileOptions { MaxFileBytes = 8 << 20, RetainedFiles = 100 }, options), null,
                   new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30), MaxBufferedBytes = 64 << 20 }))
        {
            for (int i = 0; i < 24; i++)
            {
                logger.AuthSuccess(i % 4 == 3 ? "req-" + i : long_[i % 4] + i, "10.0.0.1", "sk-inf-abcdefghijkl", "/v1/chat/completions");
            }
        }

        var files = AuditEvidence.RolledSet(path);
        output.WriteLine($"{files.Count} files, {files.Sum(f => new FileInfo(f).Length)} bytes, dropped lines recorded: "
            + files.Sum(f => EvidenceFiles.Lines(f).Count(l => l.Contains("\"event_type\":\"audit_dropped\"", StringComparison.Ordinal))));
        Assert.Equal(24, files.Sum(f => EvidenceFiles.Lines(f).Count(l => l.Contains("\"event_type\":\"auth_success\"", StringComparison.Ordinal))));
        EvidenceReport report = EvidenceFiles.Verify(path, _key.VerifierKey);
        Assert.True(report.Failure is null, report.Failure?.ToString());
    }

    private static bool Run(string file, params string[] args)
    {
        using Process process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, UseShellExecute = false })!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
