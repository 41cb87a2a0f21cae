using System;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// 100 untouched sets of many shapes — checkpoint cadences from every line to every 700, with and without rolls,
/// crashed and repaired, closed and reopened, with a key rotation — all verify clean: an honest history, crashes
/// included, never looks like tampering.
/// </summary>
public sealed class UntouchedFilesTests
{
    [Fact]
    public void HundredUntouchedSets_VerifyClean()
    {
        using NoteSigningKey first = EvidenceFiles.Key("audit.example/untouched", 21);
        using NoteSigningKey second = EvidenceFiles.Key("audit.example/untouched-next", 22);
        int crashed = 0;
        int rolled = 0;
        for (int s = 0; s < 100; s++)
        {
            Random random = new(s);
            string folder = EvidenceFiles.NewFolder();
            try
            {
                string path = Path.Combine(folder, "audit.jsonl");
                AuditFileOptions files = random.Next(2) == 0 ? new AuditFileOptions() : new AuditFileOptions { MaxFileBytes = 64 * 1024, RetainedFiles = 100 };
                int cadence = random.Next(3) == 0 ? 1 : random.Next(2, 700);
                int events = random.Next(200, 2500);
                EvidenceFiles.Log(path, first, events, files, cadence);
                int shape = random.Next(3);
                if (shape == 0)
                {
                    EvidenceFiles.CrashBeforeClose(path, "{\"timestamp\":\"2026-11-30T10:00:00.0000000Z\",\"event_type\":\"auth_failure\",\"request_id\":\"cut\"}\n");
                    crashed++;
                }

                bool rotate = s % 10 == 9;
                if (shape != 2 || rotate)
                {
                    EvidenceFiles.Log(path, rotate ? second : first, random.Next(0, 1500), files, cadence, start: events);
                }

                rolled += AuditEvidence.RolledSet(path).Count > 1 ? 1 : 0;
                EvidenceReport report = EvidenceFiles.Verify(path, first.VerifierKey, second.VerifierKey);
                Assert.True(report.Failure is null, $"set {s}: {report.Failure}");
                Assert.True(shape != 0 || report.Notices.Any(n => n.Contains("crash", StringComparison.Ordinal)), $"set {s}: the crash repair is not noted");
                Assert.DoesNotContain(report.Notices, n => n.StartsWith("seq ", StringComparison.Ordinal));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        Assert.InRange(crashed, 20, 50);
        Assert.InRange(rolled, 20, 80);
    }
}
