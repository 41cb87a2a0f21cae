using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Evidence.Merkle;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;

namespace Infernum.Audit.Fast.Tool.Commands;

/// <summary>
/// <c>infernum-audit prove</c>: an RFC 9162 §2.1.3 inclusion proof of the line with a given <c>seq</c> in its file's
/// tree, for the file's latest checkpoint covering it or for a checkpoint kept elsewhere.
/// </summary>
public static class ProveCommand
{
    /// <summary>Builds the command.</summary>
    /// <returns>The <c>prove</c> command.</returns>
    public static Command Create()
    {
        Argument<string> path = new("path") { Description = "The audit file (its rolled set is searched for the line)." };
        Argument<long> seq = new("seq") { Description = "The seq of the line to prove." };
        Option<FileInfo?> checkpoint = new("--checkpoint") { Description = "Prove against this signed checkpoint (a note file) instead of the file's own latest one." };
        Option<string[]> keys = EvidenceArguments.KeyOption();
        Option<FileInfo[]> keyFiles = EvidenceArguments.KeyFileOption();
        Command command = new("prove", "Print an RFC 9162 inclusion proof of the line with the given seq.") { path, seq, checkpoint, keys, keyFiles };
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                List<NoteVerifierKey> pinned = EvidenceArguments.Keys(result, keys, keyFiles);
                long wanted = result.GetValue(seq);
                foreach (string file in EvidenceArguments.Files(result.GetValue(path)!, single: false).Reverse())
                {
                    AuditFileImage image = AuditFileImage.Read(file);
                    int index = Enumerable.Range(0, image.Count).FirstOrDefault(i => image.Sequence(i) == wanted, -1);
                    if (index < 0)
                    {
                        continue;
                    }

                    string? note = result.GetValue(checkpoint) is { } external
                        ? EvidenceArguments.ReadNote(external.FullName)
                        : LatestCovering(image, index);
                    if (note is null)
                    {
                        error.WriteLine($"prove: no checkpoint of {file} covers seq {wanted} yet.");
                        return VerifyCommand.Failed;
                    }

                    return Print(output, error, image, index, note, pinned);
                }

                error.WriteLine($"prove: no line has seq {wanted}.");
                return VerifyCommand.Failed;
            }
            catch (Exception e) when (EvidenceArguments.IsUnusableInput(e))
            {
                error.WriteLine("prove: " + e.Message);
                return VerifyCommand.Unusable;
            }
        });
        return command;
    }

    private static string? LatestCovering(AuditFileImage image, int index)
    {
        for (int i = image.Count - 1; i > index; i--)
        {
            if (image.CheckpointNote(i) is { } note)
            {
                return note;
            }
        }

        return null;
    }

    private static int Print(TextWriter output, TextWriter error, AuditFileImage image, int index, string noteText, List<NoteVerifierKey> pinned)
    {
        SignedNote note = SignedNote.Parse(noteText);
        Checkpoint checkpoint = Checkpoint.Parse(note.Text);
        if (checkpoint.Origin != image.Origin || checkpoint.Size <= index || checkpoint.Size > image.Count)
        {
            error.WriteLine($"prove: the checkpoint ({checkpoint.Origin}, {checkpoint.Size} lines) does not cover line {index + 1} of {image.Name}.");
            return VerifyCommand.Failed;
        }

        IReadOnlyList<byte[]> proof = MerkleTree.InclusionProof(image.LeafHashes, index, checkpoint.Size);
        if (!MerkleTree.VerifyInclusion(index, checkpoint.Size, image.Leaf(index), proof, checkpoint.RootHash))
        {
            error.WriteLine($"prove: {image.Name} does not match the checkpoint's root: run verify.");
            return VerifyCommand.Failed;
        }

        string signed = pinned.Count == 0 ? "not checked (no --key)" : pinned.Any(note.IsSignedBy) ? "valid" : "NOT by a pinned key";
        output.WriteLine($"file: {image.Name}");
        output.WriteLine($"line: {index + 1}");
        output.WriteLine($"leaf index: {index}");
        output.WriteLine($"leaf hash: {Convert.ToBase64String(image.Leaf(index))}");
        output.WriteLine($"origin: {checkpoint.Origin}");
        output.WriteLine($"tree size: {checkpoint.Size}");
        output.WriteLine($"root hash: {Convert.ToBase64String(checkpoint.RootHash)}");
        output.WriteLine($"signature: {signed}");
        output.WriteLine("inclusion proof (RFC 9162 2.1.3, leaf level first):");
        foreach (byte[] hash in proof)
        {
            output.WriteLine("  " + Convert.ToBase64String(hash));
        }

        return pinned.Count > 0 && !pinned.Any(note.IsSignedBy) ? VerifyCommand.Failed : VerifyCommand.Verified;
    }
}
