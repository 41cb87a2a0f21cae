using System;
using Infernum.Audit.Fast.Json;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// The one home of the audit line's framing and of the staged record around it: every constant that the producer,
/// the generated body, the writer and the drop record share.
/// </summary>
/// <remarks>
/// <para>A line in the file, and who writes each part:</para>
/// <code>
/// {"timestamp":"2026-11-30T10:00:00.1234567Z","event_type":"auth_success",…,"success":true,"seq":42}\n
/// |---------- LinePrefix, timestamp, quote -||----- generated body -------||-- SeqField, digits, LineEnd --|
///   producer (TryBeginLine)                    producer (generated code)     writer (as it moves the line)
/// </code>
/// <para>A staged record in a producer's block (what the writer reads):</para>
/// <code>
/// [int32 line length][int32 unused][int64 the stage's drop total when published][line without its end]
/// |------------------------ RecordHeaderBytes -------------------------------|
/// </code>
/// <para>A drop record (written by the writer alone):</para>
/// <code>
/// {"timestamp":"…","event_type":"audit_dropped","count":N,"first_seq":A,"last_seq":B,"seq":S}\n
/// </code>
/// </remarks>
internal static class LineFormat
{
    /// <summary>Bytes of a staged record's header.</summary>
    public const int RecordHeaderBytes = 16;

    /// <summary>Bytes of <see cref="LinePrefix"/>.</summary>
    public const int LinePrefixBytes = 14;

    /// <summary>
    /// Bytes the writer appends to a line at most: <see cref="SeqField"/> (7), up to 20 digits, <see cref="LineEnd"/>
    /// (2). Constants, not sums of the spans' lengths, so that the producer's path never calls for them.
    /// </summary>
    public const int MaxLineEndBytes = 7 + 20 + 2;

    /// <summary>Bytes a staged record needs besides the line's body: header, <see cref="LinePrefix"/>, timestamp, closing quote.</summary>
    public const int FixedRecordBytes = RecordHeaderBytes + LinePrefixBytes + TimestampFormatter.Length + 1;

    /// <summary>Every line's start, up to the timestamp's text.</summary>
    public static ReadOnlySpan<byte> LinePrefix => "{\"timestamp\":\""u8;

    /// <summary>The field the writer puts before a line's <c>seq</c> digits.</summary>
    public static ReadOnlySpan<byte> SeqField => ",\"seq\":"u8;

    /// <summary>Every line's end.</summary>
    public static ReadOnlySpan<byte> LineEnd => "}\n"u8;

    /// <summary>A drop record after its timestamp, up to its count.</summary>
    public static ReadOnlySpan<byte> DropRecordType => "\",\"event_type\":\"audit_dropped\",\"count\":"u8;

    /// <summary>A drop record's field before the first number of its range.</summary>
    public static ReadOnlySpan<byte> FirstSeqField => ",\"first_seq\":"u8;

    /// <summary>A drop record's field before the last number of its range.</summary>
    public static ReadOnlySpan<byte> LastSeqField => ",\"last_seq\":"u8;

    /// <summary>The most bytes a drop record takes: its fixed text, a timestamp, three numbers of up to 20 digits, and a line end.</summary>
    public static int MaxDropRecordBytes => LinePrefix.Length + TimestampFormatter.Length + DropRecordType.Length + FirstSeqField.Length + LastSeqField.Length + (3 * 20) + MaxLineEndBytes;
}
