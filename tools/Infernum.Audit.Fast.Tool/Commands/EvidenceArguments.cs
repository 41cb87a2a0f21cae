using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Infernum.Audit.Fast.Evidence;
using Infernum.Audit.Fast.Evidence.Notes;

namespace Infernum.Audit.Fast.Tool.Commands;

/// <summary>Options shared by the evidence commands: pinned keys and the file set.</summary>
internal static class EvidenceArguments
{
    internal static Option<string[]> KeyOption() => new("--key")
    {
        Description = "A pinned verifier key, name+keyhash+base64 (repeatable).",
        AllowMultipleArgumentsPerToken = false,
    };

    internal static Option<FileInfo[]> KeyFileOption() => new("--key-file")
    {
        Description = "A file of pinned verifier keys, one per line (repeatable).",
    };

    internal static Option<bool> SingleOption() => new("--single")
    {
        Description = "Only the named file, not its rolled set (audit.N.jsonl ... audit.1.jsonl, audit.jsonl).",
    };

    /// <summary>The pinned keys; throws <see cref="FormatException"/> for a malformed one.</summary>
    internal static List<NoteVerifierKey> Keys(ParseResult result, Option<string[]> keys, Option<FileInfo[]> keyFiles)
    {
        List<string> texts = [.. result.GetValue(keys) ?? []];
        foreach (FileInfo file in result.GetValue(keyFiles) ?? [])
        {
            texts.AddRange(File.ReadAllLines(file.FullName).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
        }

        return texts.Select(NoteVerifierKey.Parse).ToList();
    }

    /// <summary>The files to read, oldest first.</summary>
    internal static IReadOnlyList<string> Files(string path, bool single)
    {
        if (single)
        {
            return File.Exists(path) ? [Path.GetFullPath(path)] : [];
        }

        return AuditEvidence.RolledSet(path);
    }

    /// <summary>
    /// A checkpoint note kept elsewhere: the whole signed note as the file's text, with CRLF read as LF and the blank
    /// lines and spaces after its last signature line (an editor's or <c>echo</c>'s newline) dropped: a note ends in
    /// exactly one newline, and no signature line ends in a space (C2SP signed-note).
    /// </summary>
    internal static string ReadNote(string path)
        => File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n', ' ', '\t', '\r') + "\n";

    /// <summary>Whether an exception reading the command's input means the input is unusable (exit 2): unreadable, a directory, malformed.</summary>
    internal static bool IsUnusableInput(Exception e) => e is FormatException or IOException or UnauthorizedAccessException or ArgumentException;
}
