using System;
using System.Collections.Generic;
using System.IO;
using Infernum.Audit.Fast.Evidence.Merkle;

namespace Infernum.Audit.Fast.Evidence.Verification;

/// <summary>An audit file read whole: its complete lines and their RFC 9162 leaf hashes.</summary>
public sealed class AuditFileImage
{
    private readonly int[] _starts;
    private readonly int[] _lengths;

    /// <summary>Splits <paramref name="content"/> into lines and hashes each as a leaf.</summary>
    /// <param name="name">The file's path or name, for reports.</param>
    /// <param name="content">The file's bytes.</param>
    public AuditFileImage(string name, byte[] content)
        : this(name, content, basis: null)
    {
    }

    /// <summary>
    /// Splits <paramref name="content"/> into lines and hashes each as a leaf, reusing the leaf hash of a line that is
    /// byte-identical to <paramref name="basis"/>'s line at the same index or one away: for reading a grown or edited
    /// copy of a file without hashing it all again.
    /// </summary>
    /// <param name="name">The file's path or name, for reports.</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="basis">An earlier image of the file, or <see langword="null"/>.</param>
    public AuditFileImage(string name, byte[] content, AuditFileImage? basis)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(content);
        Name = name;
        Content = content;
        List<int> starts = new(content.Length / 200);
        List<int> lengths = new(content.Length / 200);
        int at = 0;
        while (at < content.Length)
        {
            int end = content.AsSpan(at).IndexOf((byte)'\n');
            if (end < 0)
            {
                TornBytes = content.Length - at;
                break;
            }

            starts.Add(at);
            lengths.Add(end);
            at += end + 1;
        }

        _starts = starts.ToArray();
        _lengths = lengths.ToArray();
        LeafHashes = new byte[_starts.Length * MerkleTree.HashSize];
        for (int i = 0; i < _starts.Length; i++)
        {
            Span<byte> leaf = LeafHashes.AsSpan(i * MerkleTree.HashSize, MerkleTree.HashSize);
            int same = basis is null ? -1 : basis.SameLine(Line(i), i);
            if (same >= 0)
            {
                basis!.Leaf(same).CopyTo(leaf);
            }
            else
            {
                MerkleTree.HashLeaf(Line(i), leaf);
            }
        }
    }

    /// <summary>The file's path or name.</summary>
    public string Name { get; }

    /// <summary>The file's bytes.</summary>
    public byte[] Content { get; }

    /// <summary>Number of complete lines (each ended by <c>\n</c>).</summary>
    public int Count => _starts.Length;

    /// <summary>Bytes after the last <c>\n</c>: an unterminated line a crash left (0 if none).</summary>
    public int TornBytes { get; }

    /// <summary>The leaf hashes of the complete lines, 32 bytes each, in order.</summary>
    public byte[] LeafHashes { get; }

    /// <summary>Reads a file (shared, so a live logger may keep writing it).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The image.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static AuditFileImage Read(string path)
    {
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] content = new byte[stream.Length];
        stream.ReadExactly(content);
        return new AuditFileImage(path, content);
    }

    /// <summary>Line <paramref name="index"/> (0-based) without its <c>\n</c>.</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>The line's bytes.</returns>
    public ReadOnlySpan<byte> Line(int index) => Content.AsSpan(_starts[index], _lengths[index]);

    /// <summary>The leaf hash of line <paramref name="index"/>.</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>32 bytes.</returns>
    public ReadOnlySpan<byte> Leaf(int index) => LeafHashes.AsSpan(index * MerkleTree.HashSize, MerkleTree.HashSize);

    /// <summary>The origin of the file's checkpoints, from its evidence start line; <see langword="null"/> if it has none.</summary>
    public string? Origin
    {
        get
        {
            for (int i = 0; i < Count; i++)
            {
                if (EvidenceLine.EventType(Line(i)) == EvidenceLine.Start)
                {
                    return EvidenceLine.TryGetString(Line(i), "origin", out string origin) ? origin : null;
                }
            }

            return null;
        }
    }

    /// <summary>The <c>seq</c> of line <paramref name="index"/>, or -1 when it has none (evidence lines have none).</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>The sequence number or -1.</returns>
    public long Sequence(int index) => EvidenceLine.EventType(Line(index)) is null ? EvidenceLine.Sequence(Line(index)) : -1;

    /// <summary>The signed note of line <paramref name="index"/> when it is an <c>audit_checkpoint</c> line, else <see langword="null"/>.</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>The note text (a C2SP signed note) or null.</returns>
    public string? CheckpointNote(int index)
        => EvidenceLine.EventType(Line(index)) == EvidenceLine.Checkpoint && EvidenceLine.TryGetString(Line(index), "note", out string note) ? note : null;

    // The last walk of this file by AuditVerifier: its input and outcome (the bytes never change, so neither does the
    // outcome for the same input).
    // A reference, so concurrent verifications sharing the image read a whole pair or none.
    internal AuditVerifier.WalkMemo? Walked { get; set; }

    // The index of a line equal to `line` at `index`, `index - 1` or `index + 1`, or -1.
    private int SameLine(ReadOnlySpan<byte> line, int index)
    {
        for (int k = index; k <= index + 1 && k < Count; k++)
        {
            if (k >= 0 && Line(k).SequenceEqual(line))
            {
                return k;
            }
        }

        return index - 1 >= 0 && index - 1 < Count && Line(index - 1).SequenceEqual(line) ? index - 1 : -1;
    }

    internal int Prefix(int index)
    {
        ReadOnlySpan<byte> leaf = Leaf(index);
        return (leaf[0] << 16) | (leaf[1] << 8) | leaf[2];
    }
}
