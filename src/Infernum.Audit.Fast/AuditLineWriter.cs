using System;
using System.Buffers.Text;
using System.Globalization;
using System.ComponentModel;
using System.Net;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Infernum.Audit.Fast.Json;
using Infernum.Audit.Fast.Pipeline;

namespace Infernum.Audit.Fast;

/// <summary>
/// Writes one audit line into the space an <see cref="AuditLogger"/> reserved for it. Used by generated code.
/// </summary>
/// <remarks>
/// Obtained from <see cref="AuditLogger.TryBeginLine"/>, which sized the reservation from the generator's
/// bound on the line's length; <see cref="Commit"/> marks the line complete and <see cref="AuditLogger.EndLine"/>,
/// which must be called in a <c>finally</c>, publishes it and releases the reservation. A line not committed is
/// counted as dropped and none of it is written.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct AuditLineWriter
{
    private readonly Span<byte> _line;
    private readonly ProducerStage? _stage;
    private int _position;
    private bool _committed;
    private bool _refused;

    internal AuditLineWriter(Span<byte> line, int position, ProducerStage stage)
    {
        _line = line;
        _position = position;
        _stage = stage;
    }

    internal readonly Span<byte> Line => _line;

    internal readonly ProducerStage? Stage => _stage;

    internal readonly int Position => _position;

    internal readonly bool Completed => _committed && !_refused;

    /// <summary>The most bytes <see cref="WriteString(string?)"/> can write for <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MaxBytes(string? value) => (long)(value?.Length ?? 0) * JsonEscaper.MaxExpansion;

    /// <summary>The most bytes <see cref="WriteString(ReadOnlySpan{char})"/> can write for <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MaxBytes(ReadOnlySpan<char> value) => (long)value.Length * JsonEscaper.MaxExpansion;

    /// <summary>The most bytes <see cref="WriteUtf8String"/> can write for <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MaxBytes(ReadOnlySpan<byte> value) => (long)value.Length * JsonEscaper.MaxExpansion;

    /// <summary>The most bytes <see cref="WriteKeyPrefix"/> can write for <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MaxKeyPrefixBytes(string? key, int maxChars)
        => (long)Math.Min(key?.Length ?? 0, maxChars) * JsonEscaper.MaxExpansion;

    private static int Format(long value, Span<byte> destination)
    {
        bool ok = Utf8Formatter.TryFormat(value, destination, out int written);
        Debug.Assert(ok);
        return written;
    }

    /// <summary>Copies pre-encoded UTF-8 (constant JSON segments) as is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLiteral(scoped ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(_line.Slice(_position));
        _position += utf8.Length;
    }

    /// <summary>Writes <paramref name="value"/> escaped, without quotes; <see langword="null"/> writes nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteString(string? value)
        => _position += JsonEscaper.EscapeShort(value.AsSpan(), _line.Slice(_position));

    /// <summary>Writes <paramref name="value"/> escaped, without quotes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteString(scoped ReadOnlySpan<char> value)
        => _position += JsonEscaper.EscapeShort(value, _line.Slice(_position));

    /// <summary>Writes UTF-8 <paramref name="value"/> escaped, without quotes; invalid sequences become U+FFFD.</summary>
    public void WriteUtf8String(scoped ReadOnlySpan<byte> value)
        => _position += JsonEscaper.Escape(value, _line.Slice(_position));

    /// <summary>Writes the first <paramref name="maxChars"/> chars of <paramref name="key"/>, escaped, never splitting a surrogate pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteKeyPrefix(string? key, int maxChars)
        => _position += JsonEscaper.EscapePrefix(key.AsSpan(), maxChars, _line.Slice(_position));

    /// <summary>Writes <c>true</c> or <c>false</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBoolean(bool value) => WriteLiteral(value ? "true"u8 : "false"u8);

    /// <summary>Writes a JSON number.</summary>
    public void WriteInt64(long value) => _position += Format(value, _line.Slice(_position));

    /// <summary>Writes a JSON number.</summary>
    public void WriteUInt64(ulong value)
    {
        bool ok = Utf8Formatter.TryFormat(value, _line.Slice(_position), out int written);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>Writes a JSON number (shortest round-trip form), or <c>null</c> for NaN and infinities, which JSON cannot carry.</summary>
    public void WriteDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            WriteLiteral("null"u8);
            return;
        }

        bool ok = value.TryFormat(_line.Slice(_position), out int written, default, CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>Writes a JSON number (shortest round-trip form), or <c>null</c> for NaN and infinities.</summary>
    public void WriteSingle(float value)
    {
        if (!float.IsFinite(value))
        {
            WriteLiteral("null"u8);
            return;
        }

        bool ok = value.TryFormat(_line.Slice(_position), out int written, default, CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>Writes a JSON number.</summary>
    public void WriteDecimal(decimal value)
    {
        bool ok = Utf8Formatter.TryFormat(value, _line.Slice(_position), out int written);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>Writes the text of <paramref name="value"/> inside a JSON string: <c>0f8fad5b-d9cb-469f-a165-70867728950e</c>.</summary>
    public void WriteGuid(Guid value)
    {
        bool ok = Utf8Formatter.TryFormat(value, _line.Slice(_position), out int written);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>Writes the round-trip (<c>O</c>) text of <paramref name="value"/> inside a JSON string.</summary>
    public void WriteDateTime(DateTime value)
    {
        bool ok = value.TryFormat(_line.Slice(_position), out int written, "O", CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>Writes the round-trip (<c>O</c>) text of <paramref name="value"/> inside a JSON string.</summary>
    public void WriteDateTimeOffset(DateTimeOffset value)
    {
        bool ok = value.TryFormat(_line.Slice(_position), out int written, "O", CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>Writes the constant (<c>c</c>) text of <paramref name="value"/> inside a JSON string: <c>1.02:03:04.5000000</c>.</summary>
    public void WriteTimeSpan(TimeSpan value)
    {
        bool ok = value.TryFormat(_line.Slice(_position), out int written, "c", CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>
    /// The most bytes <see cref="WriteIPAddress"/> writes: an IPv6 address in its longest text form (45 characters,
    /// RFC 4291 section 2.2 form 3, as <c>INET6_ADDRSTRLEN</c> counts it) plus <c>%</c> and a scope id of up to 10
    /// digits, rounded up.
    /// </summary>
    public const int MaxIPAddressBytes = 64;

    /// <summary>
    /// Writes the text of <paramref name="value"/> (<c>10.0.0.1</c>, <c>2001:db8::1</c>, <c>fe80::1%3</c>) inside a JSON
    /// string, formatted straight into the line: no string is made. <see langword="null"/> writes nothing. The text
    /// holds only hex digits, <c>.</c>, <c>:</c> and <c>%</c>, none of which JSON escapes.
    /// </summary>
    public void WriteIPAddress(IPAddress? value)
    {
        if (value is null)
        {
            return;
        }

        bool ok = value.TryFormat(_line.Slice(_position), out int written);
        Debug.Assert(ok);
        _position += written;
    }

    /// <summary>The most bytes <see cref="WriteTraceContext"/> writes: <c>,"trace_id":"</c>, 32 hex digits, <c>","span_id":"</c>, 16 hex digits, <c>"</c>.</summary>
    public const int MaxTraceContextBytes = 13 + 32 + 13 + 16 + 1;

    /// <summary>
    /// Writes <c>,"trace_id":"…","span_id":"…"</c> of <see cref="Activity.Current"/> when
    /// <see cref="AuditOptions.WriteTraceContext"/> is on and the activity uses W3C ids (W3C Trace Context section
    /// 3.2.2.3, 3.2.2.4: lowercase hex); nothing otherwise. Allocates nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTraceContext(AuditOptions options)
    {
        // Off (the default) costs every event one test of a field it already has in a register. The slow path is
        // static and gets the line and position by value: a call that took this writer by reference would make the
        // JIT keep the whole writer in memory in every emitter, even when the call never runs (about 4.5 ns an
        // auth_success on the reference machine).
        if (options.WriteTraceContext)
        {
            _position = WriteCurrentActivityIds(_line, _position);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int WriteCurrentActivityIds(Span<byte> line, int position)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } activity)
        {
            return position;
        }

        Span<byte> id = stackalloc byte[16];
        ",\"trace_id\":\""u8.CopyTo(line.Slice(position));
        position += 13;
        activity.TraceId.CopyTo(id);
        position = WriteLowerHex(id, line, position);
        "\",\"span_id\":\""u8.CopyTo(line.Slice(position));
        position += 13;
        activity.SpanId.CopyTo(id.Slice(0, 8));
        position = WriteLowerHex(id.Slice(0, 8), line, position);
        line[position] = (byte)'"';
        return position + 1;
    }

    private static int WriteLowerHex(scoped ReadOnlySpan<byte> bytes, Span<byte> line, int position)
    {
        Span<byte> destination = line.Slice(position, bytes.Length * 2);
        for (int i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)"0123456789abcdef"[bytes[i] >> 4];
            destination[(2 * i) + 1] = (byte)"0123456789abcdef"[bytes[i] & 0xF];
        }

        return position + destination.Length;
    }

    /// <summary>Writes <paramref name="value"/> escaped, inside a JSON string.</summary>
    public void WriteChar(char value) => WriteString(new ReadOnlySpan<char>(in value));

    /// <summary>
    /// Writes the UTF-8 text of <paramref name="value"/>, escaped, inside a JSON string. A value whose text does not
    /// fit in <see cref="MaxFormattedBytes"/> bytes (its <c>TryFormat</c> returns <see langword="false"/>) refuses the
    /// line: it is not written, but counted as a format error and recorded in the next drop record, never written
    /// with the value cut short or left out.
    /// </summary>
    public void WriteFormattable<T>(T value)
        where T : IUtf8SpanFormattable
    {
        Span<byte> text = stackalloc byte[MaxFormattedBytes];
        if (value is null)
        {
            return;
        }

        if (value.TryFormat(text, out int written, default, CultureInfo.InvariantCulture))
        {
            _position += JsonEscaper.Escape(text.Slice(0, written), _line.Slice(_position));
        }
        else
        {
            _refused = true;
        }
    }

    /// <summary>Bytes of a redaction fingerprint: 12 hex digits.</summary>
    public const int FingerprintLength = 12;

    /// <summary>
    /// Writes the fingerprint of <paramref name="value"/>: the first 12 hex digits of HMAC-SHA256 over its UTF-8 text,
    /// keyed by <see cref="AuditOptions.RedactionKey"/>. The value itself is never written.
    /// </summary>
    public void WriteFingerprint(scoped ReadOnlySpan<char> value, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _position += Fingerprint.Write(value, options.RedactionKey, _line.Slice(_position));
    }

    /// <summary>The most UTF-8 bytes of a formattable value's text that are written.</summary>
    public const int MaxFormattedBytes = 512;

    /// <summary>The most bytes <see cref="WriteFormattable{T}"/> writes: <see cref="MaxFormattedBytes"/>, each escaped.</summary>
    public const int MaxFormattableBytes = MaxFormattedBytes * JsonEscaper.MaxExpansion;

    /// <summary>Marks the line complete; <see cref="AuditLogger.EndLine"/> then publishes it.</summary>
    public void Commit() => _committed = true;
}
