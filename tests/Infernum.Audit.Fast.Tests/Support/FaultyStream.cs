using System;
using System.IO;
using System.Threading;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>A seekable in-memory stream that throws on every k-th write, optionally after writing part of the data first.</summary>
internal sealed class FaultyStream : Stream
{
    private readonly object _sync = new();
    private readonly MemoryStream _data = new();
    private int _writes;
    private int _throws;

    /// <summary>Throw on every k-th write; 1 fails every write, 0 never fails.</summary>
    public int FailEvery { get; set; }

    /// <summary>Write the first half of the data before throwing.</summary>
    public bool WritePartially { get; set; }

    public int Throws => Volatile.Read(ref _throws);

    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => _data.Length;

    public override long Position
    {
        get => _data.Position;
        set => _data.Position = value;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_sync)
        {
            _writes++;
            int k = FailEvery;
            if (k > 0 && _writes % k == 0)
            {
                if (WritePartially)
                {
                    _data.Write(buffer[..(buffer.Length / 2)]);
                }

                _throws++;
                throw new IOException("injected write failure #" + _throws);
            }

            _data.Write(buffer);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => _data.Seek(offset, origin);

    public override void SetLength(long value) => _data.SetLength(value);

    public string[] Lines()
    {
        lock (_sync)
        {
            string text = System.Text.Encoding.UTF8.GetString(_data.ToArray());
            return text.Length == 0 ? Array.Empty<string>() : text.TrimEnd('\n').Split('\n');
        }
    }
}
