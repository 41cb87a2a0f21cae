using System;
using System.Diagnostics.CodeAnalysis;

namespace Infernum.Audit.Fast.Pipeline;

/// <summary>
/// The items a pool keeps between uses: a bounded stack behind a lock, most recently returned first (still warm in
/// cache). Items returned when it is full, or after <see cref="Close"/>, are let go.
/// </summary>
internal sealed class FreeList<T>
    where T : class
{
    // _count of them are valid, the rest of the array is null.
    private readonly T?[] _items;
    private int _count;
    private bool _closed;

    public FreeList(int capacity) => _items = new T?[capacity];

    /// <summary>How many items it keeps at most.</summary>
    public int Capacity => _items.Length;

    public bool TryTake([NotNullWhen(true)] out T? item)
    {
        lock (_items)
        {
            if (_count > 0)
            {
                item = _items[--_count]!;
                _items[_count] = null;
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
                _items[_count++] = item;
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
            _count = 0;
        }
    }
}
