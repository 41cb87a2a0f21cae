using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using Infernum.Audit.Fast.Evidence.Merkle;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Evidence.Verification;

namespace Infernum.Audit.Fast.Tool.Commands;

/// <summary><c>infernum-audit consistency</c>: an RFC 9162 §2.1.4 consistency proof between two sizes of one file's tree.</summary>
public static class ConsistencyCommand
{
    /// <summary>Builds the command.</summary>
    /// <returns>The <c>consistency</c> command.</returns>
    public static Command Create()
    {
        Argument<FileInfo> file = new("file") { Description = "One audit file (each file is its own tree)." };
        Argument<string> older = new("old") { Description = "The earlier tree: a size, or a signed checkpoint file." };
        Argument<string> newer = new("new") { Description = "The later tree: a size, or a signed checkpoint file." };
        Command command = new("consistency", "Print an RFC 9162 consistency proof between two trees of one file.") { file, older, newer };
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                AuditFileImage image = AuditFileImage.Read(result.GetValue(file)!.FullName);
                (long oldSize, byte[]? oldRoot) = Tree(result.GetValue(older)!);
                (long newSize, byte[]? newRoot) = Tree(result.GetValue(newer)!);
                if (oldSize > newSize || newSize > image.Count)
                {
                    error.WriteLine($"consistency: need old ≤ new ≤ {image.Count} (the file's lines); got {oldSize} and {newSize}.");
                    return VerifyCommand.Failed;
                }

                byte[] oldComputed = MerkleTree.Root(image.LeafHashes.AsSpan(0, (int)oldSize * MerkleTree.HashSize));
                byte[] newComputed = MerkleTree.Root(image.LeafHashes.AsSpan(0, (int)newSize * MerkleTree.HashSize));
                if ((oldRoot is not null && !oldRoot.AsSpan().SequenceEqual(oldComputed)) || (newRoot is not null && !newRoot.AsSpan().SequenceEqual(newComputed)))
                {
                    error.WriteLine("consistency: a checkpoint's root does not match the file's lines: run verify.");
                    return VerifyCommand.Failed;
                }

                IReadOnlyList<byte[]> proof = MerkleTree.ConsistencyProof(image.LeafHashes, oldSize, newSize);
                output.WriteLine($"old tree: size {oldSize}, root {Convert.ToBase64String(oldComputed)}");
                output.WriteLine($"new tree: size {newSize}, root {Convert.ToBase64String(newComputed)}");
                output.WriteLine("consistency proof (RFC 9162 2.1.4):");
                foreach (byte[] hash in proof)
                {
                    output.WriteLine("  " + Convert.ToBase64String(hash));
                }

                return MerkleTree.VerifyConsistency(oldSize, newSize, oldComputed, newComputed, proof) ? VerifyCommand.Verified : VerifyCommand.Failed;
            }
            catch (Exception e) when (EvidenceArguments.IsUnusableInput(e))
            {
                error.WriteLine("consistency: " + e.Message);
                return VerifyCommand.Unusable;
            }
        });
        return command;
    }

    // A size, or a checkpoint note file's size and root.
    private static (long Size, byte[]? Root) Tree(string value)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            return (size, null);
        }

        Checkpoint checkpoint = Checkpoint.Parse(SignedNote.Parse(EvidenceArguments.ReadNote(value)).Text);
        return (checkpoint.Size, checkpoint.RootHash);
    }
}
