using System;
using System.Threading;

namespace Infernum.Audit.Fast.Evidence;

/// <summary>Hashes lines into the tree; runs on <see cref="LeafHashingThread"/>'s thread.</summary>
/// <param name="lines">Whole lines, each ending in <c>\n</c>.</param>
internal delegate void LinesHandler(ReadOnlySpan<byte> lines);

/// <summary>
/// A thread that hashes the lines the evidence sink wrote, in the order it wrote them, while the logger's writer
/// thread goes on writing: the leaf and node hashes (about two SHA-256 compressions per 100 bytes of line) are most
/// of the sink's work, and overlap this way with the writer's system calls and the callers' formatting.
/// </summary>
/// <remarks>
/// <para>
/// Two buffers change hands: the writer appends copies of its lines to the filling one under <see cref="_lock"/>;
/// the thread takes it as a whole, leaves an empty one in its place and hashes outside the lock. The writer calls
/// <see cref="Drain"/> before anything that reads the tree (a checkpoint, a roll, a reopened file); it returns once
/// every line handed over is hashed, so each checkpoint sees exactly the lines before it, as when the writer hashed
/// them itself.
/// </para>
/// <para>
/// Fields: <see cref="_filling"/>, <see cref="_fillingLength"/>, <see cref="_busy"/>, <see cref="_stopping"/> and
/// <see cref="_failure"/> are guarded by <see cref="_lock"/>; <see cref="_hashing"/> belongs to the thread while
/// <see cref="_busy"/> is set, and to no one otherwise.
/// </para>
/// </remarks>
internal sealed class LeafHashingThread : IDisposable
{
    // Bytes waiting beyond which the writer waits for the thread: bounds memory when hashing falls behind.
    private const int MaxQueuedBytes = 1024 * 1024;

    // The first size of each buffer: a writer batch of a few hundred lines fits without growing.
    private const int InitialBufferBytes = 64 * 1024;

    private readonly object _lock = new();
    private readonly LinesHandler _hash;
    private readonly Thread _thread;

    // Lines handed over and not yet taken by the thread.
    private byte[] _filling = new byte[InitialBufferBytes];
    private int _fillingLength;

    // The lines the thread hashes now.
    private byte[] _hashing = new byte[InitialBufferBytes];

    // The thread holds _hashing (it took lines and has not finished them).
    private bool _busy;
    private bool _stopping;

    // Bytes handed over and not yet hashed (taken or not); written under _lock, read without it.
    private long _backlog;
    private Exception? _failure;

    internal LeafHashingThread(LinesHandler hash)
    {
        _hash = hash;
        _thread = new Thread(Run) { IsBackground = true, Name = "Infernum.Audit.Evidence" };
        _thread.Start();
    }

    /// <summary>Hands lines over to be hashed after those before them; copies them, so the span may be reused at once.</summary>
    internal void Enqueue(ReadOnlySpan<byte> lines)
    {
        if (lines.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            while (_fillingLength > 0 && _fillingLength + lines.Length > MaxQueuedBytes && _failure is null)
            {
                Monitor.Wait(_lock);
            }

            ThrowIfFailed();
            if (_filling.Length - _fillingLength < lines.Length)
            {
                byte[] larger = new byte[Math.Max(_fillingLength + lines.Length, _filling.Length * 2)];
                _filling.AsSpan(0, _fillingLength).CopyTo(larger);
                _filling = larger;
            }

            lines.CopyTo(_filling.AsSpan(_fillingLength));
            _fillingLength += lines.Length;
            Volatile.Write(ref _backlog, _backlog + lines.Length);
            if (!_busy)
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Bytes handed over that the thread has not finished hashing; a moment's value, read without a lock.</summary>
    internal long Backlog => Volatile.Read(ref _backlog);

    /// <summary>Returns once every line handed over is hashed.</summary>
    /// <exception cref="InvalidOperationException">Hashing failed on the thread (the tree is incomplete from then on).</exception>
    internal void Drain()
    {
        lock (_lock)
        {
            while ((_busy || _fillingLength > 0) && _failure is null)
            {
                Monitor.Wait(_lock);
            }

            ThrowIfFailed();
        }
    }

    /// <summary>Hashes what is left, then ends the thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        _thread.Join();
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw new InvalidOperationException("Hashing audit lines into the evidence tree failed.", _failure);
        }
    }

    private void Run()
    {
        int length = 0;
        while (true)
        {
            lock (_lock)
            {
                Volatile.Write(ref _backlog, _backlog - length); // the lines hashed last time round
                while (_fillingLength == 0)
                {
                    _busy = false;
                    Monitor.PulseAll(_lock); // Drain
                    if (_stopping)
                    {
                        return;
                    }

                    Monitor.Wait(_lock);
                }

                (_filling, _hashing) = (_hashing, _filling);
                length = _fillingLength;
                _fillingLength = 0;
                _busy = true;
                Monitor.PulseAll(_lock); // an Enqueue waiting for room
            }

            try
            {
                _hash(_hashing.AsSpan(0, length));
            }
            catch (Exception error)
            {
                lock (_lock)
                {
                    _failure = error;
                    _busy = false;
                    Monitor.PulseAll(_lock);
                }

                return;
            }
        }
    }
}
