using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;
using Xunit;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>
/// What a checkpoint kept elsewhere covers when the file is read live: its tree size N signs lines 1 to N, so any cut
/// that keeps fewer than N lines is caught; line N + 1 is that checkpoint's own line, which nothing signs.
/// </summary>
public sealed class ExternalCheckpointTests : IDisposable
{
    private readonly string _folder = EvidenceFiles.NewFolder();
    private readonly NoteSigningKey _key = EvidenceFiles.Key("audit.example/external-test", 13);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    // The layout the tamper matrix met in 35 of 1,000 cuts on a loaded machine: the last batch ended with a checkpoint by
    // count, so the file ends in a checkpoint and then the closing one. CheckpointLines = 1 makes that layout certain.
    [Fact]
    public void LiveFile_EndingInACheckpointThenTheClosingOne_ACutOneLineBelowTheShippedSize_IsTruncated()
    {
        string path = Path.Combine(_folder, "audit.jsonl");
        ConcurrentQueue<AuditCheckpoint> shipped = new();
        EvidenceFiles.Log(path, _key, 300, checkpointLines: 1, onCheckpoint: shipped.Enqueue);
        byte[] content = File.ReadAllBytes(path);
        AuditFileImage whole = new(path, content);
        Checkpoint closing = shipped.Last().Checkpoint;
        Assert.True(closing.IsClosed);
        Assert.Equal(whole.Count - 1, closing.Size);
        Assert.Equal(EvidenceLine.Checkpoint, EvidenceLine.EventType(whole.Line(whole.Count - 2)));

        // Lines 1 to N - 1 kept: line N (the checkpoint before the closing one) is signed by the shipped checkpoint.
        EvidenceReport cut = Verify(Keep(whole, (int)closing.Size - 1), shipped.Last().Note);
        Assert.NotNull(cut.Failure);
        Assert.Equal(EvidenceFailureKind.Truncated, cut.Failure!.Kind);
        Assert.Equal(closing.Size, cut.Failure.Line);

        // Lines 1 to N kept, only the closing line gone: every signed line is there, but the shipped checkpoint was
        // itself line N + 1 (a checkpoint is shipped once it is in the file), so that line is missing: truncated there.
        // (Read as closed, without the shipped checkpoint, the file's own lines show it too: no closing checkpoint.)
        EvidenceReport closingCut = Verify(Keep(whole, (int)closing.Size), shipped.Last().Note);
        Assert.Equal(EvidenceFailureKind.Truncated, closingCut.Failure?.Kind);
        Assert.Equal(closing.Size + 1, closingCut.Failure!.Line);
        EvidenceReport closed = AuditVerifier.Verify([Keep(whole, (int)closing.Size)], new AuditVerifierOptions { Keys = [_key.VerifierKey] });
        Assert.Equal(EvidenceFailureKind.Truncated, closed.Failure?.Kind);
    }

    private EvidenceReport Verify(AuditFileImage file, string external)
        => AuditVerifier.Verify([file], new AuditVerifierOptions { Keys = [_key.VerifierKey], Live = true, ExternalCheckpoints = [external] });

    internal static AuditFileImage Keep(AuditFileImage file, int lines)
    {
        List<byte> kept = new();
        for (int i = 0; i < lines; i++)
        {
            kept.AddRange(file.Line(i).ToArray());
            kept.Add((byte)'\n');
        }

        return new AuditFileImage(file.Name, kept.ToArray());
    }
}
