using System;
using System.IO;
using System.Text;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>Keeps everything written, for reading back after <see cref="AuditLogger.Flush"/>.</summary>
internal sealed class MemorySink : AuditSink
{
    private readonly object _sync = new();
    private readonly MemoryStream _data = new();
    public bool Disposed { get; private set; }

    public override void Write(ReadOnlySpan<byte> lines)
    {
        lock (_sync)
        {
            _data.Write(lines);
        }
    }

    public byte[] ToArray()
    {
        lock (_sync)
        {
            return _data.ToArray();
        }
    }

    public string Text => Encoding.UTF8.GetString(ToArray());

    /// <summary>The lines written, without their <c>\n</c>; fails if the output does not end with one.</summary>
    public string[] Lines
    {
        get
        {
            string text = Text;
            if (text.Length == 0)
            {
                return Array.Empty<string>();
            }

            if (!text.EndsWith('\n'))
            {
                throw new InvalidOperationException("Output does not end with a newline: " + text);
            }

            return text[..^1].Split('\n');
        }
    }

    protected override void Dispose(bool disposing) => Disposed = true;
}
