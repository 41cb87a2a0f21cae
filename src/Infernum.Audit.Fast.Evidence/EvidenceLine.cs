using System;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Infernum.Audit.Fast.Evidence;

/// <summary>
/// The lines the evidence layer adds to an audit file, in the file's own shape (one JSON object per line, the
/// timestamp first, then <c>event_type</c>), and the few reads the verifier and a reopening sink make of them.
/// </summary>
/// <remarks>
/// <code>
/// {"timestamp":"…","event_type":"audit_evidence_start","origin":"O","key":"name+keyhash+base64","previous":"NOTE"}
/// {"timestamp":"…","event_type":"audit_checkpoint","from":P,"leaf_prefixes":"BASE64","note":"NOTE"}
/// {"timestamp":"…","event_type":"audit_key_rotated","key":"name+keyhash+base64"}
/// {"timestamp":"…","event_type":"audit_tail_repaired","bytes":N}
/// </code>
/// A note is a C2SP signed note with each <c>\n</c> written as the JSON escape <c>\n</c>; it holds no <c>"</c> or
/// <c>\</c> (origins and key names exclude them). <c>leaf_prefixes</c> is the first three bytes of each leaf hash
/// from leaf <c>from</c> up to the checkpoint's tree size: not evidence (the signed root is), but what lets the
/// verifier name the line that changed and how. None of these lines carries <c>seq</c>: they are not events.
/// </remarks>
internal static class EvidenceLine
{
    internal const string Start = "audit_evidence_start";
    internal const string Checkpoint = "audit_checkpoint";
    internal const string KeyRotated = "audit_key_rotated";
    internal const string TailRepaired = "audit_tail_repaired";

    /// <summary>A start line's <c>reason</c> when the file sink went on in a new file at its path (renamed or deleted under it).</summary>
    internal const string ReasonReopened = "reopened";

    /// <summary>A start line's <c>reason</c> when the file sink went on in its file truncated under it (copytruncate).</summary>
    internal const string ReasonTruncated = "truncated";

    /// <summary>Bytes of a leaf hash kept per line in <c>leaf_prefixes</c>.</summary>
    internal const int PrefixBytes = 3;

    private const int TimestampLength = 28;
    private static ReadOnlySpan<byte> TimestampField => "{\"timestamp\":\""u8;
    private static ReadOnlySpan<byte> EventTypeField => "\",\"event_type\":\""u8;

    internal static string FormatStart(DateTime now, string origin, string verifierKey, string? previousNote)
        => FormatStart(now, origin, verifierKey, previousNote, reason: null, previousSize: 0, previousRoot: default);

    // reason: null for a new file or a roll; "reopened" (renamed or deleted under the sink) or "truncated" when the file
    // sink went on in another file at the path, which then also commits to the whole previous tree (size and root).
    internal static string FormatStart(DateTime now, string origin, string verifierKey, string? previousNote, string? reason, long previousSize, ReadOnlySpan<byte> previousRoot)
    {
        StringBuilder line = Open(now, Start);
        line.Append(",\"origin\":\"").Append(origin).Append("\",\"key\":\"").Append(verifierKey).Append('"');
        if (previousNote is not null)
        {
            line.Append(",\"previous\":\"").Append(Escape(previousNote)).Append('"');
        }

        if (reason is not null)
        {
            line.Append(",\"reason\":\"").Append(reason).Append("\",\"previous_size\":").Append(previousSize.ToString(CultureInfo.InvariantCulture))
                .Append(",\"previous_root\":\"").Append(Convert.ToBase64String(previousRoot)).Append('"');
        }

        return line.Append("}\n").ToString();
    }

    internal static string FormatCheckpoint(DateTime now, long from, ReadOnlySpan<byte> prefixes, string note)
    {
        StringBuilder line = Open(now, Checkpoint);
        line.Append(",\"from\":").Append(from.ToString(CultureInfo.InvariantCulture))
            .Append(",\"leaf_prefixes\":\"").Append(Convert.ToBase64String(prefixes))
            .Append("\",\"note\":\"").Append(Escape(note)).Append("\"}\n");
        return line.ToString();
    }

    internal static string FormatKeyRotated(DateTime now, string verifierKey)
        => Open(now, KeyRotated).Append(",\"key\":\"").Append(verifierKey).Append("\"}\n").ToString();

    internal static string FormatTailRepaired(DateTime now, long bytes)
        => Open(now, TailRepaired).Append(",\"bytes\":").Append(bytes.ToString(CultureInfo.InvariantCulture)).Append("}\n").ToString();

    /// <summary>The event type of an evidence line (one of the constants above), or null for any other line.</summary>
    internal static string? EventType(ReadOnlySpan<byte> line)
    {
        int at = TimestampField.Length + TimestampLength;
        if (line.Length < at + EventTypeField.Length || !line.StartsWith(TimestampField) || !line[at..].StartsWith(EventTypeField))
        {
            return null;
        }

        ReadOnlySpan<byte> rest = line[(at + EventTypeField.Length)..];
        if (!rest.StartsWith("audit_"u8))
        {
            return null;
        }

        int end = rest.IndexOf((byte)'"');
        if (end < 0)
        {
            return null;
        }

        ReadOnlySpan<byte> type = rest[..end];
        return type.SequenceEqual("audit_checkpoint"u8) ? Checkpoint
            : type.SequenceEqual("audit_evidence_start"u8) ? Start
            : type.SequenceEqual("audit_key_rotated"u8) ? KeyRotated
            : type.SequenceEqual("audit_tail_repaired"u8) ? TailRepaired
            : null;
    }

    /// <summary>Reads the string field <paramref name="name"/> (unescaping only <c>\n</c>); false if absent or malformed.</summary>
    internal static bool TryGetString(ReadOnlySpan<byte> line, string name, out string value)
    {
        value = string.Empty;
        int at = FieldStart(line, name, quoted: true);
        if (at < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = line[at..];
        int end = rest.IndexOf((byte)'"');
        if (end < 0)
        {
            return false;
        }

        string raw;
        try
        {
            raw = new UTF8Encoding(false, true).GetString(rest[..end]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        StringBuilder text = new(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '\\')
            {
                if (i + 1 >= raw.Length || raw[i + 1] != 'n')
                {
                    return false;
                }

                text.Append('\n');
                i++;
            }
            else
            {
                text.Append(c);
            }
        }

        value = text.ToString();
        return true;
    }

    /// <summary>Reads the integer field <paramref name="name"/>; false if absent or malformed.</summary>
    internal static bool TryGetLong(ReadOnlySpan<byte> line, string name, out long value)
    {
        value = 0;
        int at = FieldStart(line, name, quoted: false);
        return at >= 0 && Utf8Parser.TryParse(line[at..], out value, out int used) && used > 0
            && at + used < line.Length && (line[at + used] == (byte)',' || line[at + used] == (byte)'}');
    }

    /// <summary>The <c>seq</c> of an event line (its last field), or -1.</summary>
    internal static long Sequence(ReadOnlySpan<byte> line)
    {
        ReadOnlySpan<byte> field = ",\"seq\":"u8;
        int at = line.LastIndexOf(field);
        if (at < 0 || !Utf8Parser.TryParse(line[(at + field.Length)..], out long seq, out int used)
            || at + field.Length + used != line.Length - 1 || line[^1] != (byte)'}')
        {
            return -1;
        }

        return seq;
    }

    private static int FieldStart(ReadOnlySpan<byte> line, string name, bool quoted)
    {
        byte[] key = Encoding.ASCII.GetBytes(",\"" + name + (quoted ? "\":\"" : "\":"));
        int at = line.IndexOf(key);
        return at < 0 ? -1 : at + key.Length;
    }

    private static StringBuilder Open(DateTime now, string eventType)
        => new StringBuilder(256).Append("{\"timestamp\":\"")
            .Append(now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture))
            .Append("\",\"event_type\":\"").Append(eventType).Append('"');

    private static string Escape(string note) => note.Replace("\n", "\\n", StringComparison.Ordinal);
}
