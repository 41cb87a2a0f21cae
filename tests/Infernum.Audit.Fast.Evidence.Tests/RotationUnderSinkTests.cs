using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Infernum.Audit.Fast.Tests.Support;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// The real logrotate (and a deletion) under a live evidence sink: the file sink goes on in the file at the path, and
/// the evidence layer starts a new tree there that commits to the whole previous one, so the set still verifies.
/// </summary>
public sealed class RotationUnderSinkTests : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/rotation-test", 11);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData("create", "reopened")]
    [InlineData("nocreate", "reopened")]
    [InlineData("copytruncate", "truncated")]
    public void Logrotate_UnderTheSink_StartsANewTree_AndTheSetVerifies(string mode, string reason)
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        string rotated = path + ".1";
        WriteAroundRotation(path, () => Logrotate.Run(path, mode, _folder));

        List<string> before = EvidenceFiles.Lines(rotated);
        List<string> after = EvidenceFiles.Lines(path);
        Assert.Contains("\"event_type\":\"audit_evidence_start\"", after[0], StringComparison.Ordinal);
        Assert.Contains($"\"reason\":\"{reason}\",\"previous_size\":{before.Count},", after[0], StringComparison.Ordinal);
        Assert.Equal(500, before.Concat(after).Count(l => l.Contains("\"event_type\":\"auth_success\"", StringComparison.Ordinal)));

        EvidenceReport report = Verify(rotated, path);
        Assert.Null(report.Failure);
        Assert.Equal(before.Count + after.Count, report.Lines);
        string how = reason == "truncated" ? "truncated under the logger (copytruncate)" : "renamed or deleted under the logger";
        Assert.Contains(report.Notices, n => n.Contains(how, StringComparison.Ordinal));

        // The set as the verify command finds it from the current file's path: logrotate's name for the rotated file included.
        Assert.Equal([rotated, path], AuditEvidence.RolledSet(path));
    }

    [Fact]
    public void Logrotate_UnderTheSink_ThenATailCut_OfTheRotatedFile_IsReportedThere()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        string rotated = path + ".1";
        WriteAroundRotation(path, () => Logrotate.Run(path, "create", _folder));

        // Cut the rotated file's last line: it came after that file's last checkpoint, so only the new file's start line covers it.
        byte[] content = File.ReadAllBytes(rotated);
        int end = content.AsSpan(0, content.Length - 1).LastIndexOf((byte)'\n') + 1;
        File.WriteAllBytes(rotated, content.AsSpan(0, end).ToArray());
        int kept = EvidenceFiles.Lines(rotated).Count;

        EvidenceReport report = Verify(rotated, path);
        Assert.NotNull(report.Failure);
        Assert.Equal(EvidenceFailureKind.Truncated, report.Failure!.Kind);
        Assert.Equal(Path.GetFileName(rotated), Path.GetFileName(report.Failure.File));
        Assert.Equal(kept + 1L, report.Failure.Line);
    }

    [Fact]
    public void Deletion_UnderTheSink_StartsANewTree_ThatCommitsToTheDeletedOne()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        string copy = path + ".copy";
        WriteAroundRotation(path, () =>
        {
            File.Copy(path, copy);
            File.Delete(path);
        });

        List<string> after = EvidenceFiles.Lines(path);
        Assert.Contains("\"reason\":\"reopened\"", after[0], StringComparison.Ordinal);
        Assert.Null(Verify(copy, path).Failure);

        // Without the file before, the new one still verifies on its own (the set starts there), with a notice.
        EvidenceReport alone = Verify(path);
        Assert.Null(alone.Failure);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Deletion_WhileACheckpointGoesIn_SignsTheNewTree_NotTheGoneOne(bool closing)
    {
        // The file is deleted between a checkpoint's write and the file sink's check that the file still has a name
        // (an attack found it 1 in 40 rounds with a thread deleting in a loop): the checkpoint signed the tree of the
        // deleted file and must not be written again in the new one.
        string path = Path.Combine(_folder, "audit.jsonl");
        string copy = path + ".copy";
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 100, CheckpointInterval = TimeSpan.FromMinutes(5) };
        AuditSink sink = AuditEvidence.ToFile(path, closing ? new AuditFileOptions { MaxFileBytes = 65_536 } : null, options);
        Sinks.FileAuditSink first = ((EvidenceFileSink)sink).InnerFile!;
        bool deleted = false;
        first.AppendedForTests = lines =>
        {
            string text = Encoding.UTF8.GetString(lines);
            bool checkpoint = text.Contains("\"event_type\":\"audit_checkpoint\"", StringComparison.Ordinal)
                && (!closing || text.Contains("infernum-audit closed", StringComparison.Ordinal)); // a roll's closing one
            if (checkpoint && !deleted)
            {
                deleted = true;
                File.Copy(path, copy);
                File.Delete(path);
            }
        };

        using (AuditLogger logger = new(sink, null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) }))
        {
            for (int i = 0; i < 800; i++)
            {
                logger.AuthSuccess("req-" + i, "10.1.2.3", "sk-inf-rotation-test-key", "/v1/chat/completions");
                if (i % 50 == 49)
                {
                    logger.Flush();
                }
            }
        }

        Assert.True(deleted);
        // The file that took over after the deletion: the newest, or with a roll right after, the rolled one.
        string successor = closing ? AuditEvidence.RolledSet(path)[0] : path;
        List<string> after = EvidenceFiles.Lines(successor);
        Assert.Contains("\"reason\":\"reopened\"", after[0], StringComparison.Ordinal);
        string origin = EvidenceFiles.Lines(copy)[0].Split("\"origin\":\"")[1].Split('"')[0];
        Assert.DoesNotContain(after, line => line.Contains("audit_checkpoint", StringComparison.Ordinal) && line.Contains(origin, StringComparison.Ordinal));
        EvidenceReport alone = AuditVerifier.Verify(AuditEvidence.RolledSet(path), new AuditVerifierOptions { Keys = [_key.VerifierKey] });
        Assert.Null(alone.Failure);
    }

    // 250 events, a checkpoint every 100 lines, then the rotation, then 250 more, then close.
    private void WriteAroundRotation(string path, Action rotate)
    {
        AuditEvidenceOptions options = new() { SigningKey = _key, CheckpointLines = 100, CheckpointInterval = TimeSpan.FromMinutes(5) };
        using AuditLogger logger = new(AuditEvidence.ToFile(path, null, options), null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) });
        for (int i = 0; i < 250; i++)
        {
            logger.AuthSuccess("req-" + i, "10.1.2.3", "sk-inf-rotation-test-key", "/v1/chat/completions");
        }

        logger.Flush();
        rotate();
        for (int i = 250; i < 500; i++)
        {
            logger.AuthSuccess("req-" + i, "10.1.2.3", "sk-inf-rotation-test-key", "/v1/chat/completions");
        }
    }

    private EvidenceReport Verify(params string[] files)
        => AuditVerifier.Verify(files, new AuditVerifierOptions { Keys = [_key.VerifierKey] });
}
