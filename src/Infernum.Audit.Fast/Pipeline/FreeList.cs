using System;
using System.Diagnostics.CodeAnalysis;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// The items a pool keeps between uses, behind a lock, handed out most recently returned first (a stack: still warm
/// in this thread's cache) or least recently returned first (a queue: see <see cref="FreeList{T}(int, bool)"/>).
/// Items returned when it is full, or after <see cref="Close"/>, are let go.
/// </summary>
internal sealed class FreeList<T>
    where T : class
{
    // A ring: _count items from _head on are valid, the rest of the array is null.
    private readonly T?[] _items;
    private readonly bool _oldestFirst;
    private int _head;
    private int _count;
    private bool _closed;

    /// <param name="capacity">The most items kept.</param>
    /// <param name="oldestFirst">
    /// Hand out the item returned longest ago. For memory that one thread writes and another then reads: the
    /// most recent item is still in the reader's cache, and each write to it must first take the line back from
    /// that core; the oldest one has left it.
    /// </param>
    public FreeList(int capacity, bool oldestFirst = false)
    {
        _items = new T?[capacity];
        _oldestFirst = oldestFirst;
    }

    /// <summary>How many items it keeps at most.</summary>
    public int Capacity => _items.Length;

    public bool TryTake([NotNullWhen(true)] out T? item)
    {
        lock (_items)
        {
            if (_count > 0)
            {
                int index = _oldestFirst ? _head : Slot(_count - 1);
                item = _items[index]!;
                _items[index] = null;
                if (_oldestFirst)
                {
                    _head = Slot(1);
                }

                _count--;
                return true;
            }
        }

        item = null;
        return false;
    }

    /// <summary>Keeps <paramref name="item"/> for reuse, unless the list is full or closed.</summary>
    public void Put(T item)
    {
        lock (_items)
        {
            if (!_closed && _count < _items.Length)
            {
                _items[Slot(_count)] = item;
                _count++;
            }
        }
    }

    /// <summary>Lets every kept item go and keeps none from now on.</summary>
    public void Close()
    {
        lock (_items)
        {
            _closed = true;
            Array.Clear(_items);
            _head = 0;
            _count = 0;
        }
    }

    // The array index of the item `offset` places after the head.
    private int Slot(int offset)
    {
        int index = _head + offset;
        return index >= _items.Length ? index - _items.Length : index;
    }
}
