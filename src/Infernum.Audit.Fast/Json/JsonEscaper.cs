using System;
using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Infernum.Audit.Fast.Json;

/// <summary>
/// Writes text as the inside of a JSON string, safe for every JSON and line-oriented consumer.
/// </summary>
/// <remarks>
/// Escaped: <c>"</c>, <c>\</c>, U+0000–U+001F, U+007F–U+009F, U+2028, U+2029 and the bidi controls
/// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Invalid UTF-16 (a lone or reversed surrogate)
/// and invalid UTF-8 are written as U+FFFD. Output is always valid UTF-8 with no raw byte below 0x20.
/// Runs of printable ASCII are found and copied by vectorized searches.
/// </remarks>
internal static class JsonEscaper
{
    /// <summary>The most bytes one input UTF-16 code unit or one input UTF-8 byte can become (<c>\u00XX</c>).</summary>
    public const int MaxExpansion = 6;

    private const string SafeAscii =
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    private static readonly SearchValues<char> s_safeChars = SearchValues.Create(SafeAscii);
    private static readonly SearchValues<byte> s_safeBytes = SearchValues.Create(Encoding.ASCII.GetBytes(SafeAscii));

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>
    /// <see cref="Escape(ReadOnlySpan{char}, Span{byte})"/> for a call site: values of 8 to 32 chars that need no
    /// escape are checked and narrowed in place, without a call; anything else takes the call.
    /// </summary>
    /// <remarks>
    /// Ids, addresses, key prefixes and paths are mostly of that length. Two vectors cover the value from its start
    /// and from its end, overlapping in the middle: bytes written twice are the same bytes.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EscapeShort(ReadOnlySpan<char> value, Span<byte> destination)
    {
        int length = value.Length;
        if (Vector128.IsHardwareAccelerated && (uint)(length - 8) <= 24 && destination.Length >= length)
        {
            ref ushort source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(value));
            ref byte target = ref MemoryMarshal.GetReference(destination);
            if (length <= 16)
            {
                Vector128<byte> bytes = NarrowSaturated(Vector128.LoadUnsafe(ref source), Vector128.LoadUnsafe(ref source, (nuint)(length - 8)));
                if (UnsafeBytes(bytes) == Vector128<byte>.Zero)
                {
                    Unsafe.WriteUnaligned(ref target, bytes.AsUInt64().GetElement(0));
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, length - 8), bytes.AsUInt64().GetElement(1));
                    return length;
                }
            }
            else
            {
                Vector128<byte> head = NarrowSaturated(Vector128.LoadUnsafe(ref source), Vector128.LoadUnsafe(ref source, 8));
                Vector128<byte> tail = NarrowSaturated(Vector128.LoadUnsafe(ref source, (nuint)(length - 16)), Vector128.LoadUnsafe(ref source, (nuint)(length - 8)));
                if ((UnsafeBytes(head) | UnsafeBytes(tail)) == Vector128<byte>.Zero)
                {
                    head.StoreUnsafe(ref target);
                    tail.StoreUnsafe(ref target, (nuint)(length - 16));
                    return length;
                }
            }
        }

        return Escape(value, destination);
    }

    /// <summary>Escapes UTF-16 text into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <remarks><paramref name="destination"/> must hold <see cref="MaxExpansion"/> bytes per input char.</remarks>
    public static int Escape(ReadOnlySpan<char> value, Span<byte> destination)
    {
        Debug.Assert(destination.Length >= (long)value.Length * MaxExpansion);

        // Most audit values (ids, addresses, paths) are short printable ASCII: check and narrow them in one pass.
        int written = NarrowSafeAscii(value, destination);
        if (written == value.Length)
        {
            return written;
        }

        value = value.Slice(written);
        while (true)
        {
            int run = value.IndexOfAnyExcept(s_safeChars);
            if (run < 0)
            {
                run = value.Length;
            }

            if (run > 0)
            {
                OperationStatus status = Ascii.FromUtf16(value.Slice(0, run), destination.Slice(written), out int copied);
                Debug.Assert(status == OperationStatus.Done && copied == run);
                written += run;
                value = value.Slice(run);
            }

            if (value.IsEmpty)
            {
                return written;
            }

            char c = value[0];
            if (c < 0x80)
            {
                written += EscapeAscii(c, destination.Slice(written));
                value = value.Slice(1);
                continue;
            }

            int consumed = 1;
            Span<byte> dest = destination.Slice(written);
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && value.Length > 1 && char.IsLowSurrogate(value[1]))
                {
                    int scalar = char.ConvertToUtf32(c, value[1]);
                    dest[0] = (byte)(0xF0 | (scalar >> 18));
                    dest[1] = (byte)(0x80 | ((scalar >> 12) & 0x3F));
                    dest[2] = (byte)(0x80 | ((scalar >> 6) & 0x3F));
                    dest[3] = (byte)(0x80 | (scalar & 0x3F));
                    written += 4;
                    consumed = 2;
                }
                else
                {
                    written += WriteReplacementCharacter(dest);
                }
            }
            else if (MustEscape(c))
            {
                written += WriteUnicodeEscape(c, dest);
            }
            else if (c < 0x800)
            {
                dest[0] = (byte)(0xC0 | (c >> 6));
                dest[1] = (byte)(0x80 | (c & 0x3F));
                written += 2;
            }
            else
            {
                dest[0] = (byte)(0xE0 | (c >> 12));
                dest[1] = (byte)(0x80 | ((c >> 6) & 0x3F));
                dest[2] = (byte)(0x80 | (c & 0x3F));
                written += 3;
            }

            value = value.Slice(consumed);
        }
    }

    /// <summary>
    /// Copies the leading run of chars that need no escape (printable ASCII but <c>"</c> and <c>\</c>), narrowed
    /// to bytes, sixteen or eight at a time; returns how many were copied.
    /// </summary>
    /// <remarks>
    /// A value of eight chars or more ends with one more vector that overlaps the previous one instead of a
    /// char-by-char tail: bytes written twice are the same bytes.
    /// </remarks>
    private static int NarrowSafeAscii(ReadOnlySpan<char> value, Span<byte> destination)
    {
        ref ushort source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(value));
        ref byte target = ref MemoryMarshal.GetReference(destination);
        int length = value.Length;
        if (!Vector128.IsHardwareAccelerated || length < Vector128<ushort>.Count)
        {
            return NarrowSafeAsciiScalar(ref source, ref target, 0, length);
        }

        int i = 0;
        for (; i <= length - (2 * Vector128<ushort>.Count); i += 2 * Vector128<ushort>.Count)
        {
            Vector128<byte> bytes = NarrowSaturated(
                Vector128.LoadUnsafe(ref source, (nuint)i),
                Vector128.LoadUnsafe(ref source, (nuint)(i + Vector128<ushort>.Count)));
            if (UnsafeBytes(bytes) != Vector128<byte>.Zero)
            {
                return NarrowSafeAsciiScalar(ref source, ref target, i, length);
            }

            bytes.StoreUnsafe(ref target, (nuint)i);
        }

        if (i < length)
        {
            // Up to fifteen left: one vector of eight, then (if any remain) the last eight chars, overlapping.
            if (length - i > Vector128<ushort>.Count)
            {
                if (!TryNarrowEight(ref source, ref target, i))
                {
                    return NarrowSafeAsciiScalar(ref source, ref target, i, length);
                }
            }

            if (!TryNarrowEight(ref source, ref target, length - Vector128<ushort>.Count))
            {
                return NarrowSafeAsciiScalar(ref source, ref target, i, length);
            }
        }

        return length;
    }

    // Sixteen chars as sixteen bytes with unsigned saturation: a char from 0x100 to 0x7FFF becomes 0xFF and one from
    // 0x8000 up (negative as a short) becomes 0, so every char that is not ASCII ends up a byte UnsafeBytes flags.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> NarrowSaturated(Vector128<ushort> first, Vector128<ushort> second)
        => Sse2.IsSupported ? Sse2.PackUnsignedSaturate(first.AsInt16(), second.AsInt16()) : NarrowSaturatedPortable(first, second);

    // Elsewhere (Arm64): every char from 0xFF up becomes 0xFF, which UnsafeBytes flags as well.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> NarrowSaturatedPortable(Vector128<ushort> first, Vector128<ushort> second)
    {
        Vector128<ushort> limit = Vector128.Create((ushort)0xFF);
        return Vector128.Narrow(Vector128.Min(first, limit), Vector128.Min(second, limit));
    }

    // All ones in each byte that is not printable ASCII (0x20..0x7E), or is '"' or '\'.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> UnsafeBytes(Vector128<byte> bytes)
    {
        // Adding 0x60 maps 0x20..0x7E onto 0x80..0xDE, the signed bytes -128..-34, and every other byte above -34:
        // one signed comparison instead of two range checks.
        Vector128<sbyte> shifted = (bytes + Vector128.Create((byte)0x60)).AsSByte();
        return Vector128.GreaterThan(shifted, Vector128.Create((sbyte)-34)).AsByte()
            | Vector128.Equals(bytes, Vector128.Create((byte)'"'))
            | Vector128.Equals(bytes, Vector128.Create((byte)'\\'));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryNarrowEight(ref ushort source, ref byte target, int at)
    {
        Vector128<ushort> chars = Vector128.LoadUnsafe(ref source, (nuint)at);
        Vector128<byte> bytes = NarrowSaturated(chars, chars);
        if (UnsafeBytes(bytes) != Vector128<byte>.Zero)
        {
            return false;
        }

        // Eight chars become eight bytes: the low half of the narrowed vector.
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, at), bytes.AsUInt64().ToScalar());
        return true;
    }

    private static int NarrowSafeAsciiScalar(ref ushort source, ref byte target, int start, int length)
    {
        int i = start;
        for (; i < length; i++)
        {
            ushort c = Unsafe.Add(ref source, i);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\')
            {
                break;
            }

            Unsafe.Add(ref target, i) = (byte)c;
        }

        return i;
    }

    /// <summary>Escapes UTF-8 text into <paramref name="destination"/>; invalid sequences become U+FFFD.</summary>
    /// <remarks><paramref name="destination"/> must hold <see cref="MaxExpansion"/> bytes per input byte.</remarks>
    public static int Escape(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        Debug.Assert(destination.Length >= (long)value.Length * MaxExpansion);
        int written = 0;
        while (true)
        {
            int run = value.IndexOfAnyExcept(s_safeBytes);
            if (run < 0)
            {
                run = value.Length;
            }

            if (run > 0)
            {
                value.Slice(0, run).CopyTo(destination.Slice(written));
                written += run;
                value = value.Slice(run);
            }

            if (value.IsEmpty)
            {
                return written;
            }

            byte b = value[0];
            if (b < 0x80)
            {
                written += EscapeAscii((char)b, destination.Slice(written));
                value = value.Slice(1);
                continue;
            }

            OperationStatus status = Rune.DecodeFromUtf8(value, out Rune rune, out int consumed);
            Span<byte> dest = destination.Slice(written);
            if (status != OperationStatus.Done)
            {
                // Maximal invalid subsequence → one U+FFFD, as the Unicode standard recommends.
                written += WriteReplacementCharacter(dest);
            }
            else if (rune.IsBmp && MustEscape((char)rune.Value))
            {
                written += WriteUnicodeEscape((char)rune.Value, dest);
            }
            else
            {
                value.Slice(0, consumed).CopyTo(dest);
                written += consumed;
            }

            value = value.Slice(consumed);
        }
    }

    /// <summary>Escapes the first <paramref name="maxChars"/> UTF-16 code units of <paramref name="value"/>,
    /// never splitting a surrogate pair (a pair that would be cut is left out whole).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EscapePrefix(ReadOnlySpan<char> value, int maxChars, Span<byte> destination)
        => EscapeShort(Prefix(value, maxChars), destination);

    /// <summary>The first <paramref name="maxChars"/> code units, shortened by one if that would split a pair.</summary>
    public static ReadOnlySpan<char> Prefix(ReadOnlySpan<char> value, int maxChars)
    {
        if (value.Length <= maxChars)
        {
            return value;
        }

        int end = maxChars;
        if (end > 0 && char.IsHighSurrogate(value[end - 1]) && char.IsLowSurrogate(value[end]))
        {
            end--;
        }

        return value.Slice(0, end);
    }

    /// <summary>Whether a non-ASCII BMP char is written as a <c>\uXXXX</c> escape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MustEscape(char c)
        => c <= '\u009F'
           || c == '\u061C'
           || (c >= '\u200E' && c <= '\u200F')
           || (c >= '\u2028' && c <= '\u202E')
           || (c >= '\u2066' && c <= '\u2069');

    private static int EscapeAscii(char c, Span<byte> dest)
    {
        Debug.Assert(c < 0x80);
        byte shortForm = c switch
        {
            '"' => (byte)'"',
            '\\' => (byte)'\\',
            '\n' => (byte)'n',
            '\r' => (byte)'r',
            '\t' => (byte)'t',
            '\b' => (byte)'b',
            '\f' => (byte)'f',
            _ => 0,
        };

        if (shortForm != 0)
        {
            dest[0] = (byte)'\\';
            dest[1] = shortForm;
            return 2;
        }

        return WriteUnicodeEscape(c, dest);
    }

    private static int WriteUnicodeEscape(char c, Span<byte> dest)
    {
        dest[5] = HexDigits[c & 0xF];
        dest[4] = HexDigits[(c >> 4) & 0xF];
        dest[3] = HexDigits[(c >> 8) & 0xF];
        dest[2] = HexDigits[c >> 12];
        dest[1] = (byte)'u';
        dest[0] = (byte)'\\';
        return 6;
    }

    private static int WriteReplacementCharacter(Span<byte> dest)
    {
        dest[2] = 0xBD;
        dest[1] = 0xBF;
        dest[0] = 0xEF;
        return 3;
    }
}
