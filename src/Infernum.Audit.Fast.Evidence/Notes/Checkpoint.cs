using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Infernum.Audit.Fast.Evidence.Notes;

/// <summary>
/// The note text of a C2SP tlog-checkpoint: origin, tree size, base64 root hash, then optional extension lines,
/// each ending in a newline.
/// </summary>
/// <param name="Origin">The log's identity (here: one audit file's tree).</param>
/// <param name="Size">The tree size: number of leaves.</param>
/// <param name="RootHash">The 32-byte RFC 9162 root of the first <paramref name="Size"/> leaves.</param>
/// <param name="Extensions">Extension lines, each non-empty; this library writes <see cref="ClosedExtension"/> on a file's last checkpoint.</param>
public sealed record Checkpoint(string Origin, long Size, byte[] RootHash, IReadOnlyList<string> Extensions)
{
    /// <summary>
    /// The extension line of the checkpoint a sink writes when it closes a file (at a roll or at disposal): the
    /// verifier expects a closed file to end with it, so a cut tail is caught even when it ends on a checkpoint.
    /// </summary>
    public const string ClosedExtension = "infernum-audit closed";

    /// <summary>Whether this is a file's closing checkpoint (it carries <see cref="ClosedExtension"/>).</summary>
    public bool IsClosed => System.Linq.Enumerable.Contains(Extensions, ClosedExtension);

    /// <summary>The note text: <c>origin\nsize\nbase64(root)\n[extensions\n]</c>.</summary>
    /// <returns>The text to sign.</returns>
    public string ToText()
    {
        StringBuilder text = new();
        text.Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(RootHash)).Append('\n');
        foreach (string extension in Extensions)
        {
            text.Append(extension).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Parses a checkpoint's note text (the signed part of the note).</summary>
    /// <param name="text">The text, ending in a newline.</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="FormatException">It is not a checkpoint: fewer than three lines, an empty line, a size with a sign or leading zero, a root that is not 32 bytes of base64.</exception>
    public static Checkpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("A checkpoint ends in a newline.");
        }

        string[] lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            throw new FormatException("A checkpoint has at least three lines: origin, size, root hash.");
        }

        foreach (string line in lines)
        {
            if (line.Length == 0)
            {
                throw new FormatException("A checkpoint has no empty lines.");
            }
        }

        string size = lines[1];
        if ((size.Length > 1 && size[0] == '0') || !long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out long count))
        {
            throw new FormatException($"'{size}' is not a tree size: decimal digits, no leading zeroes.");
        }

        byte[] root;
        try
        {
            root = StrictBase64.Decode(lines[2]);
        }
        catch (FormatException e)
        {
            throw new FormatException("The root hash is not base64.", e);
        }

        if (root.Length != 32)
        {
            throw new FormatException("The root hash is not 32 bytes.");
        }

        return new Checkpoint(lines[0], count, root, lines[3..]);
    }
}
