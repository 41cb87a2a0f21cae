using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Infernum.Audit.Fast.Forwarding.Files;

/// <summary>
/// The files of one audit log, oldest first: logrotate's <c>dateext</c> rolls <c>audit.jsonl-YYYYMMDD</c> or
/// <c>audit.jsonl-YYYYMMDDHH</c> (also <c>audit-YYYYMMDD.jsonl</c> with <c>extension .jsonl</c>; oldest date first), then
/// logrotate's numbered <c>audit.jsonl.N</c> (highest N first), then the file sink's <c>audit.N.jsonl</c> (highest N
/// first), then the active <c>audit.jsonl</c>. The order only decides which file is read after which: a position is found
/// again by the file's identity wherever the file went. Compressed rolls (<c>.gz</c>, ...) are not read: use logrotate's
/// <c>delaycompress</c>, so a file is compressed only after it is shipped.
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
        List<(int Order, long Key, string Path)> rolled = [];
        if (Directory.Exists(_folder))
        {
            string activeName = Path.GetFileName(ActivePath);
            foreach (string path in Directory.EnumerateFiles(_folder, _stem + "*"))
            {
                string name = Path.GetFileName(path);
                if (name.StartsWith(activeName + "-", StringComparison.Ordinal) && TryDate(name.AsSpan(activeName.Length + 1), out long date))
                {
                    rolled.Add((0, date, path));
                }
                else if (_extension.Length > 0 && name.StartsWith(_stem + "-", StringComparison.Ordinal) && name.EndsWith(_extension, StringComparison.Ordinal)
                    && name.Length > _stem.Length + 1 + _extension.Length
                    && TryDate(name.AsSpan(_stem.Length + 1, name.Length - _stem.Length - 1 - _extension.Length), out long extensionDate))
                {
                    rolled.Add((0, extensionDate, path));
                }
                else if (name.StartsWith(activeName + ".", StringComparison.Ordinal)
                    && TryIndex(name.AsSpan(activeName.Length + 1), out int logrotate))
                {
                    // Highest number is oldest: the key is negated so every group sorts ascending.
                    rolled.Add((1, -logrotate, path));
                }
                else if (name.StartsWith(_stem + ".", StringComparison.Ordinal) && name.EndsWith(_extension, StringComparison.Ordinal)
                    && name.Length > _stem.Length + 1 + _extension.Length
                    && TryIndex(name.AsSpan(_stem.Length + 1, name.Length - _stem.Length - 1 - _extension.Length), out int sink))
                {
                    rolled.Add((2, -sink, path));
                }
            }
        }

        rolled.Sort((a, b) => a.Order != b.Order ? a.Order.CompareTo(b.Order) : a.Key.CompareTo(b.Key));
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

    // logrotate's default dateformat -%Y%m%d, and -%Y%m%d%H (hourly); compared as YYYYMMDDHH.
    private static bool TryDate(ReadOnlySpan<char> text, out long key)
    {
        key = 0;
        if ((text.Length != 8 && text.Length != 10) || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            return false;
        }

        key = text.Length == 8 ? value * 100 : value;
        return true;
    }
}
