using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Infernum.Audit.Fast.Forwarding.Files;

/// <summary>
/// The files of one audit log, oldest first: logrotate's <c>audit.jsonl.N</c> (highest N first), then the file
/// sink's <c>audit.N.jsonl</c> (highest N first), then the active <c>audit.jsonl</c>. Compressed rolls
/// (<c>.gz</c>, ...) are not read: use logrotate's <c>delaycompress</c>, so a file is compressed only after it is shipped.
/// </summary>
internal sealed class AuditFileSet
{
    private readonly string _folder;
    private readonly string _stem;
    private readonly string _extension;

    public AuditFileSet(string activePath)
    {
        ActivePath = Path.GetFullPath(activePath);
        _folder = Path.GetDirectoryName(ActivePath) ?? ".";
        _stem = Path.GetFileNameWithoutExtension(ActivePath);
        _extension = Path.GetExtension(ActivePath);
    }

    /// <summary>The file the writer appends to.</summary>
    public string ActivePath { get; }

    /// <summary>Every file of the log, oldest first, the active one last (even when it does not exist yet).</summary>
    public List<string> OldestFirst()
    {
        List<(int Order, int Index, string Path)> rolled = [];
        if (Directory.Exists(_folder))
        {
            string activeName = Path.GetFileName(ActivePath);
            foreach (string path in Directory.EnumerateFiles(_folder, _stem + ".*"))
            {
                string name = Path.GetFileName(path);
                if (name.StartsWith(activeName + ".", StringComparison.Ordinal)
                    && TryIndex(name.AsSpan(activeName.Length + 1), out int logrotate))
                {
                    rolled.Add((0, logrotate, path));
                }
                else if (name.EndsWith(_extension, StringComparison.Ordinal) && name.Length > _stem.Length + 1 + _extension.Length
                    && TryIndex(name.AsSpan(_stem.Length + 1, name.Length - _stem.Length - 1 - _extension.Length), out int sink))
                {
                    rolled.Add((1, sink, path));
                }
            }
        }

        rolled.Sort((a, b) => a.Order != b.Order ? a.Order.CompareTo(b.Order) : b.Index.CompareTo(a.Index));
        List<string> files = new(rolled.Count + 1);
        foreach ((_, _, string path) in rolled)
        {
            files.Add(path);
        }

        files.Add(ActivePath);
        return files;
    }

    private static bool TryIndex(ReadOnlySpan<char> text, out int index)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index > 0;
}
