using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;

namespace Infernum.Audit.Fast.Tool.Commands;

/// <summary><c>infernum-audit verify</c>: checks a file or rolled set against pinned keys and names the first line that fails.</summary>
public static class VerifyCommand
{
    /// <summary>Exit code when the set verifies.</summary>
    public const int Verified = 0;

    /// <summary>Exit code when a line, checkpoint or file fails.</summary>
    public const int Failed = 1;

    /// <summary>Exit code for unusable input: no such file, a malformed key.</summary>
    public const int Unusable = 2;

    /// <summary>Builds the command.</summary>
    /// <returns>The <c>verify</c> command.</returns>
    public static Command Create()
    {
        Argument<string> path = new("path") { Description = "The audit file (its rolled files beside it are read too, oldest first)." };
        Option<string[]> keys = EvidenceArguments.KeyOption();
        Option<FileInfo[]> keyFiles = EvidenceArguments.KeyFileOption();
        Option<bool> single = EvidenceArguments.SingleOption();
        Option<bool> live = new("--live")
        {
            Description = "The newest file may still be written to: its unsigned tail is reported, not failed.",
        };
        Option<FileInfo[]> checkpoints = new("--checkpoint")
        {
            Description = "A signed checkpoint kept elsewhere (the note, as OnCheckpoint shipped it); the file must hold the lines it signs (repeatable).",
        };

        Command command = new("verify", "Verify an audit file or rolled set: signatures, roots, file chain, closing checkpoint, seq.")
        {
            path, keys, keyFiles, single, live, checkpoints,
        };
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            List<NoteVerifierKey> pinned;
            try
            {
                pinned = EvidenceArguments.Keys(result, keys, keyFiles);
            }
            catch (Exception e) when (EvidenceArguments.IsUnusableInput(e))
            {
                error.WriteLine("verify: " + e.Message);
                return Unusable;
            }

            if (pinned.Count == 0)
            {
                error.WriteLine("verify: pin at least one verifier key (--key or --key-file).");
                return Unusable;
            }

            IReadOnlyList<string> files = EvidenceArguments.Files(result.GetValue(path)!, result.GetValue(single));
            if (files.Count == 0)
            {
                error.WriteLine($"verify: {result.GetValue(path)}: no such file.");
                return Unusable;
            }

            List<string> external;
            try
            {
                external = [];
                foreach (FileInfo file in result.GetValue(checkpoints) ?? [])
                {
                    string note = EvidenceArguments.ReadNote(file.FullName);
                    try
                    {
                        // Unusable input, not evidence of tampering: the note was kept elsewhere, outside the files checked.
                        Checkpoint.Parse(SignedNote.Parse(note).Text);
                    }
                    catch (FormatException e)
                    {
                        throw new FormatException($"{file.FullName}: not a signed checkpoint: {e.Message}", e);
                    }

                    external.Add(note);
                }
            }
            catch (Exception e) when (EvidenceArguments.IsUnusableInput(e))
            {
                error.WriteLine("verify: " + e.Message);
                return Unusable;
            }

            EvidenceReport report;
            try
            {
                report = AuditVerifier.Verify(files, new AuditVerifierOptions { Keys = pinned, Live = result.GetValue(live), ExternalCheckpoints = external });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine("verify: " + e.Message);
                return Unusable;
            }

            foreach (string notice in report.Notices)
            {
                output.WriteLine("note: " + notice);
            }

            if (report.Failure is { } failure)
            {
                output.WriteLine($"FAILED {failure.File}:{failure.Line}: {Kind(failure.Kind)}: {failure.Message}");
                return Failed;
            }

            output.WriteLine($"OK {files.Count} file(s), {report.Lines} lines, {report.Checkpoints} checkpoints verified.");
            return Verified;
        });
        return command;
    }

    // The kind as the command prints it: changed, deleted, inserted, reordered, truncated, unknown-key, checkpoint-replayed.
    internal static string Kind(EvidenceFailureKind kind) => kind switch
    {
        EvidenceFailureKind.UnknownKey => "unknown-key",
        EvidenceFailureKind.CheckpointReplayed => "checkpoint-replayed",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
