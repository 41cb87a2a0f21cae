using System;
using System.IO;

namespace Infernum.Audit.Fast.Sinks;

/// <summary>Appends audit lines to a file; other processes may read it while it is written.</summary>
internal sealed class FileAuditSink : AuditSink
{
    private readonly FileStream _stream;

    public FileAuditSink(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        // The writer already batches, so the FileStream's own buffer would only add a copy.
        _stream = new FileStream(fullPath, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public override void Write(ReadOnlySpan<byte> lines) => _stream.Write(lines);

    public override void Flush() => _stream.Flush(flushToDisk: false);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
        }
    }
}
