using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;

namespace Infernum.Audit.Fast.Evidence.Tests;

/// <summary>Keys, folders and loggers for the evidence tests.</summary>
internal static class EvidenceFiles
{
    internal static NoteSigningKey Key(string name, byte seed)
    {
        byte[] bytes = new byte[32];
        Array.Fill(bytes, seed);
        return NoteSigningKey.FromSeed(name, bytes);
    }

    internal static string NewFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "infernum-evidence-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Logs <paramref name="count"/> auth_success events through an evidence sink and disposes the logger.</summary>
    internal static void Log(string path, NoteSigningKey key, int count, AuditFileOptions? fileOptions = null, int checkpointLines = 1000, Action<AuditCheckpoint>? onCheckpoint = null, int start = 0, bool laggingHashing = false)
    {
        AuditEvidenceOptions options = new() { SigningKey = key, CheckpointLines = checkpointLines, OnCheckpoint = onCheckpoint };
        AuditSink sink = AuditEvidence.ToFile(path, fileOptions, options);
        using AuditLogger logger = new(laggingHashing ? SnapshotCheckpointTests.Lagging(sink) : sink, null, new AuditDeliveryOptions { FullMode = AuditFullMode.Block, BlockTimeout = TimeSpan.FromSeconds(30) });
        for (int i = start; i < start + count; i++)
        {
            logger.AuthSuccess("req-" + i, "10.1.2." + (i % 250), "sk-inf-evidence-test-key", "/v1/chat/completions");
        }
    }

    internal static EvidenceReport Verify(string path, params NoteVerifierKey[] keys)
        => AuditVerifier.Verify(AuditEvidence.RolledSet(path), new AuditVerifierOptions { Keys = keys });

    internal static List<string> Lines(string path)
        => File.ReadAllText(path, Encoding.UTF8).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    // Leaves the file as a crash right before the close would: the closing checkpoint is not there, and a last
    // line was only partly written.
    internal static void CrashBeforeClose(string path, string tornLine)
    {
        byte[] content = File.ReadAllBytes(path);
        int end = content.AsSpan(0, content.Length - 1).LastIndexOf((byte)'\n') + 1;
        using FileStream stream = new(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(end);
        stream.Position = end;
        byte[] torn = Encoding.UTF8.GetBytes(tornLine);
        stream.Write(torn, 0, torn.Length / 2);
    }
}
