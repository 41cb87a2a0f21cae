using System;
using System.ComponentModel;
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
/// bound on the line's length; the line is published by <see cref="Commit"/> and the reservation released by
/// <see cref="Dispose"/>, which must be called in a <c>finally</c>. A line not committed leaves no trace.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct AuditLineWriter
{
    private readonly AuditPipeline? _pipeline;
    private readonly Span<byte> _line;
    private readonly int _lineStart;
    private int _position;
    private bool _committed;

    internal AuditLineWriter(AuditPipeline pipeline, Span<byte> line, int lineStart, int position)
    {
        _pipeline = pipeline;
        _line = line;
        _lineStart = lineStart;
        _position = position;
    }

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

    /// <summary>Copies pre-encoded UTF-8 (constant JSON segments) as is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLiteral(scoped ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(_line.Slice(_position));
        _position += utf8.Length;
    }

    /// <summary>Writes <paramref name="value"/> escaped, without quotes; <see langword="null"/> writes nothing.</summary>
    public void WriteString(string? value)
        => _position += JsonEscaper.Escape(value.AsSpan(), _line.Slice(_position));

    /// <summary>Writes <paramref name="value"/> escaped, without quotes.</summary>
    public void WriteString(scoped ReadOnlySpan<char> value)
        => _position += JsonEscaper.Escape(value, _line.Slice(_position));

    /// <summary>Writes UTF-8 <paramref name="value"/> escaped, without quotes; invalid sequences become U+FFFD.</summary>
    public void WriteUtf8String(scoped ReadOnlySpan<byte> value)
        => _position += JsonEscaper.Escape(value, _line.Slice(_position));

    /// <summary>Writes the first <paramref name="maxChars"/> chars of <paramref name="key"/>, escaped, never splitting a surrogate pair.</summary>
    public void WriteKeyPrefix(string? key, int maxChars)
        => _position += JsonEscaper.EscapePrefix(key.AsSpan(), maxChars, _line.Slice(_position));

    /// <summary>Writes <c>true</c> or <c>false</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBoolean(bool value) => WriteLiteral(value ? "true"u8 : "false"u8);

    /// <summary>Marks the line complete; <see cref="Dispose"/> then publishes it.</summary>
    public void Commit() => _committed = true;

    /// <summary>Publishes the line if committed (else counts it as dropped, writing none of it) and releases the reservation.</summary>
    public void Dispose()
    {
        AuditPipeline? pipeline = _pipeline;
        if (pipeline is not null)
        {
            Debug.Assert(_position > _lineStart);
            pipeline.EndLine(_line, _lineStart, _position, _committed);
            this = default;
        }
    }
}
