using System;
using System.Collections.Generic;
using System.IO;
using Infernum.Audit.Fast.Evidence.Notes;
using Infernum.Audit.Fast.Hosting;
using Infernum.Audit.Fast.Sinks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Infernum.Audit.Fast.Evidence.Hosting;

// Opens the host's audit file through the evidence layer, with the key the settings name. The key is read when the
// logger is made (host start) and held, for the logger's life, by this singleton, which the container disposes after
// the logger.
internal sealed class EvidenceFileSinkFactory(AuditEvidenceSettings settings, IHostEnvironment? environment) : IAuditFileSinkFactory, IDisposable
{
    // Longer than any signer key (PRIVATE+KEY+, a name, 8 hex digits, 44 base64 characters, a line end).
    private const int MaxKeyFileChars = 4096;
    private const char ByteOrderMark = '\uFEFF';

    private NoteSigningKey? _key;
    private bool _disposed;

    public string? Description => "tamper-evident, checkpoints signed by " + _key?.Name;

    public AuditSink Create(string path, AuditFileOptions options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _key?.Dispose();
        _key = LoadKey(path);
        try
        {
            return AuditEvidence.ToFile(path, options, new AuditEvidenceOptions
            {
                SigningKey = _key,
                Origin = settings.Origin,
                CheckpointLines = settings.CheckpointLines,
                CheckpointInterval = settings.CheckpointInterval,
            });
        }
        catch (ArgumentException e)
        {
            throw Invalid(e.Message);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _key?.Dispose();
        _key = null;
    }

    private NoteSigningKey LoadKey(string auditPath)
    {
        bool fromFile = !string.IsNullOrWhiteSpace(settings.SigningKeyFile);
        bool inline = !string.IsNullOrWhiteSpace(settings.SigningKey);
        if (fromFile == inline)
        {
            throw Invalid(fromFile
                ? "Set one of Evidence:SigningKeyFile and Evidence:SigningKey, not both."
                : "Evidence:SigningKeyFile or Evidence:SigningKey is required: the checkpoints' Ed25519 signing key (PRIVATE+KEY+name+keyhash+base64).");
        }

        string text;
        string source;
        if (fromFile)
        {
            string keyPath = Path.GetFullPath(settings.SigningKeyFile!, environment?.ContentRootPath ?? Directory.GetCurrentDirectory());
            if (string.Equals(keyPath, Path.GetFullPath(auditPath), StringComparison.Ordinal))
            {
                throw Invalid("Evidence:SigningKeyFile is the audit file itself; the key never comes from the file it signs.");
            }

            try
            {
                using FileStream key = new(keyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (IsAuditFile(key, auditPath))
                {
                    throw Invalid("Evidence:SigningKeyFile is the audit file itself (through a link); the key never comes from the file it signs.");
                }

                // A key is about 100 characters: a longer file is not one, and is not read whole (nor echoed).
                char[] buffer = new char[MaxKeyFileChars + 1];
                using StreamReader reader = new(key);
                int read = reader.ReadBlock(buffer, 0, buffer.Length);
                if (read > MaxKeyFileChars)
                {
                    throw Invalid($"Evidence:SigningKeyFile '{keyPath}' is longer than {MaxKeyFileChars} characters: not a signing key.");
                }

                text = new string(buffer, 0, read);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Invalid($"Evidence:SigningKeyFile '{keyPath}' cannot be read: {e.Message}");
            }

            source = $"Evidence:SigningKeyFile '{keyPath}'";
        }
        else
        {
            text = settings.SigningKey!;
            source = "Evidence:SigningKey";
        }

        try
        {
            // Whitespace and a byte order mark around the key are an editor's, not the key's (a key has neither).
            return NoteSigningKey.Parse(text.Trim().Trim(ByteOrderMark).Trim());
        }
        catch (FormatException e)
        {
            // The message names the setting and what is wrong, never the text: it may be most of a key.
            throw Invalid($"{source} is not an Ed25519 signing key in the C2SP signed-note form PRIVATE+KEY+name+keyhash+base64: {e.Message}");
        }
    }

    // Whether the open key file is the audit file under another name (a symbolic or hard link): one device and inode.
    private static bool IsAuditFile(FileStream key, string auditPath)
    {
        if (!FileIdentity.IsExact || !File.Exists(auditPath))
        {
            return false;
        }

        using FileStream audit = new(auditPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] buffer = FileIdentity.NewBuffer();
        return FileIdentity.Of(key.SafeFileHandle, buffer).SameFile(FileIdentity.Of(audit.SafeFileHandle, buffer));
    }

    private static OptionsValidationException Invalid(string failure)
        => new(Options.DefaultName, typeof(AuditEvidenceSettings), new List<string> { failure });
}
