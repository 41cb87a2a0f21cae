using System;
using System.Buffers.Text;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// The next <c>seq</c>, kept both as a number and as its ASCII digits, incremented in place: copying the digits
/// costs a fraction of formatting a long for every line. Not thread-safe: used by the pipeline's writer thread only.
/// Its fields and digits change for every line, so both sit on cache lines of their own, padded from the objects
/// around them that producers read on every event. It never wraps: once <see cref="long.MaxValue"/> is taken it is
/// <see cref="Exhausted"/> and hands out nothing more.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class SequenceCounter
{
    private const int MaxDigits = 20;

    // Bytes left unused on either side of the digits.
    private const int Padding = 64;

    // Right-aligned digits of Value in _digits[Padding..Padding + MaxDigits]; _start is the index of the first.
    [FieldOffset(64)]
    private readonly byte[] _digits = new byte[Padding + MaxDigits + Padding];

    [FieldOffset(72)]
    private long _value;

    [FieldOffset(80)]
    private int _start;

    // Set when long.MaxValue has been taken: no number is left.
    [FieldOffset(84)]
    private bool _exhausted;

    /// <param name="last">The number taken last (0 for none): the counter starts after it.</param>
    public static SequenceCounter After(long last)
    {
        Debug.Assert(last >= 0);
        var counter = new SequenceCounter(last == long.MaxValue ? long.MaxValue : last + 1);
        counter._exhausted = last == long.MaxValue;
        return counter;
    }

    public SequenceCounter(long first)
    {
        Debug.Assert(first >= 1);
        Reset(first);
    }

    private void Reset(long first)
    {
        _value = first;
        bool formatted = Utf8Formatter.TryFormat(first, _digits.AsSpan(), out int length);
        Debug.Assert(formatted);
        _digits.AsSpan(0, length).CopyTo(_digits.AsSpan(Padding + MaxDigits - length));
        _digits.AsSpan(0, Padding + MaxDigits - length).Clear(); // no stale digit before the first for Advance to carry into
        _start = Padding + MaxDigits - length;
    }

    /// <summary>The number the next line or drop takes (meaningless once <see cref="Exhausted"/>).</summary>
    public long Value => _value;

    /// <summary>Whether every number up to <see cref="long.MaxValue"/> has been taken.</summary>
    public bool Exhausted => _exhausted;

    /// <summary>How many numbers are left to take.</summary>
    public long Remaining => _exhausted ? 0 : long.MaxValue - _value + 1;

    /// <summary>Writes the current number's digits, advances to the next, and returns the bytes written.</summary>
    /// <remarks>Not to be called once <see cref="Exhausted"/>: the caller checks, once per line.</remarks>
    public int WriteAndAdvance(Span<byte> destination)
    {
        Debug.Assert(!_exhausted);
        ReadOnlySpan<byte> digits = _digits.AsSpan(_start, Padding + MaxDigits - _start);
        digits.CopyTo(destination);
        Advance();
        return digits.Length;
    }

    /// <summary>Takes the current number without writing it (a dropped event's place in the sequence).</summary>
    public long Take()
    {
        Debug.Assert(!_exhausted);
        long value = Value;
        Advance();
        return value;
    }

    /// <summary>Takes <paramref name="count"/> consecutive numbers without writing them; returns the first.</summary>
    public long Skip(long count)
    {
        Debug.Assert(count > 0 && count <= Remaining);
        long first = Value;
        if (count == Remaining)
        {
            _exhausted = true;
        }
        else
        {
            Reset(first + count);
        }

        return first;
    }

    private void Advance()
    {
        if (_value == long.MaxValue)
        {
            _exhausted = true; // the digits stay those of long.MaxValue: nothing may be written after it
            return;
        }

        _value++;
        int i = Padding + MaxDigits - 1;
        while (_digits[i] == (byte)'9')
        {
            _digits[i--] = (byte)'0';
        }

        if (i < _start)
        {
            _start = i;
            _digits[i] = (byte)'1';
        }
        else
        {
            _digits[i]++;
        }
    }
}
