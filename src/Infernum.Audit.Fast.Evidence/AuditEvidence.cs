using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Infernum.Audit.Fast.Evidence;

/// <summary>Tamper-evident audit files: the entry point of the evidence layer.</summary>
public static class AuditEvidence
{
    /// <summary>
    /// Creates a file sink whose every line goes into the file's RFC 9162 Merkle tree, with a C2SP checkpoint
    /// signed by <see cref="AuditEvidenceOptions.SigningKey"/> written into the file every
    /// <see cref="AuditEvidenceOptions.CheckpointLines"/> lines or <see cref="AuditEvidenceOptions.CheckpointInterval"/>,
    /// and when the file is closed (rolled or disposed). Lines are hashed on a thread of the sink's own, signing runs on the logger's writer thread; neither on the caller's.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <param name="fileOptions">Rolling and fsync settings (<see langword="null"/>: the defaults). A file may exceed
    /// <see cref="AuditFileOptions.MaxFileBytes"/> by its closing checkpoint line.</param>
    /// <param name="options">The signing key and checkpoint cadence.</param>
    /// <returns>The sink, to pass to an <see cref="AuditLogger"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or no signing key is set.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static AuditSink ToFile(string path, AuditFileOptions? fileOptions, AuditEvidenceOptions options)
        => new EvidenceFileSink(path, fileOptions, options);

    /// <summary>
    /// The files of a rolled set, oldest first: <c>audit.N.jsonl</c> … <c>audit.1.jsonl</c>, then <c>audit.jsonl</c>
    /// (the naming of <see cref="AuditFileOptions.MaxFileBytes"/>), with logrotate's uncompressed <c>audit.jsonl.N</c>
    /// (a rotation by another program) ordered among them by <c>N</c>. Missing numbers are skipped.
    /// </summary>
    /// <param name="path">The current file's path.</param>
    /// <returns>The existing files of the set, oldest first.</returns>
    public static IReadOnlyList<string> RolledSet(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        string stem = Path.GetFileNameWithoutExtension(full) + ".";
        string extension = Path.GetExtension(full);
        List<(int Index, string File)> rolled = new();
        if (Directory.Exists(folder))
        {
            foreach (string file in Directory.EnumerateFiles(folder, stem + "*" + extension))
            {
                string name = Path.GetFileName(file);
                string middle = name[stem.Length..^extension.Length];
                if (int.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index > 0)
                {
                    rolled.Add((index, file));
                }
            }

            // logrotate's names for the same file (audit.jsonl.1, ...), when another program rotates it (uncompressed only).
            string rotated = Path.GetFileName(full) + ".";
            foreach (string file in Directory.EnumerateFiles(folder, rotated + "*"))
            {
                // The pattern "audit.jsonl.*" also matches "audit.jsonl" itself.
                string name = Path.GetFileName(file);
                if (name.Length > rotated.Length && name.StartsWith(rotated, StringComparison.Ordinal)
                    && int.TryParse(name.AsSpan(rotated.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index > 0)
                {
                    rolled.Add((index, file));
                }
            }
        }

        rolled.Sort((a, b) => b.Index.CompareTo(a.Index));
        List<string> set = rolled.ConvertAll(r => r.File);
        if (File.Exists(full))
        {
            set.Add(full);
        }

        return set;
    }

    internal static string RolledPath(string path, int index)
    {
        string folder = Path.GetDirectoryName(path) ?? string.Empty;
        return Path.Combine(folder, Path.GetFileNameWithoutExtension(path) + "." + index.ToString(CultureInfo.InvariantCulture) + Path.GetExtension(path));
    }
}
