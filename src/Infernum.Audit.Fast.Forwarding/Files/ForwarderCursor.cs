using System;
using System.IO;
using System.Text.Json;

namespace Infernum.Audit.Fast.Forwarding.Files;

/// <summary>
/// The durable cursor: <c>cursor.json</c>, <c>{"file":"…","offset":N,"seq":S}</c> — the file and octet just after the
/// last line the collector took, and that line's <c>seq</c>. Replaced atomically (write, fsync, rename), so a crash
/// leaves the old or the new cursor, never a torn one.
/// </summary>
internal sealed class ForwarderCursor
{
    private readonly string _path;
    private readonly string _temporaryPath;

    public ForwarderCursor(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        _path = Path.Combine(stateDirectory, "cursor.json");
        _temporaryPath = _path + ".tmp";
    }

    /// <summary>The saved position and <c>seq</c>, or <see langword="null"/> when none was saved.</summary>
    /// <exception cref="InvalidDataException">The cursor file is not one this forwarder wrote.</exception>
    public (AuditFilePosition Position, long Sequence)? Load()
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(_path));
            JsonElement root = document.RootElement;
            string? file = root.GetProperty("file").GetString();
            long offset = root.GetProperty("offset").GetInt64();
            long sequence = root.GetProperty("seq").GetInt64();
            if (string.IsNullOrEmpty(file) || offset < 0)
            {
                throw new InvalidDataException($"{_path} holds no file or a negative offset.");
            }

            return (new AuditFilePosition(file, offset), sequence);
        }
        catch (Exception error) when (error is JsonException or System.Collections.Generic.KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{_path} is not a forwarder cursor; move it away to start from the oldest file.", error);
        }
    }

    /// <summary>Replaces the saved cursor.</summary>
    public void Save(AuditFilePosition position, long sequence)
    {
        using (FileStream stream = new(_temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (Utf8JsonWriter writer = new(stream))
            {
                writer.WriteStartObject();
                writer.WriteString("file", position.FileId);
                writer.WriteNumber("offset", position.Offset);
                writer.WriteNumber("seq", sequence);
                writer.WriteEndObject();
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(_temporaryPath, _path, overwrite: true);
    }
}
