using System;

namespace Infernum.Audit.Fast;

/// <summary>
/// The switches of an <see cref="AuditLogger"/>, as in infernum-server's <c>AuditConfig</c>.
/// Immutable: change them by assigning a new instance to <see cref="AuditLogger.Options"/>.
/// </summary>
public sealed record AuditOptions
{
    private readonly int _keyPrefixLength = 8;

    /// <summary>Whether events are written at all. Default <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Whether <c>client_ip</c> is written. Default <see langword="true"/>.</summary>
    public bool LogClientIp { get; init; } = true;

    /// <summary>Whether <c>key_prefix</c> is written. Default <see langword="true"/>.</summary>
    public bool LogKeyPrefix { get; init; } = true;

    /// <summary>
    /// How many UTF-16 chars of a key make its <c>key_prefix</c>. Default 8. A shorter key is written whole;
    /// a surrogate pair that the cut would split is left out whole.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above 256.</exception>
    public int KeyPrefixLength
    {
        get => _keyPrefixLength;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(KeyPrefixLength));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 256, nameof(KeyPrefixLength));
            _keyPrefixLength = value;
        }
    }

    private readonly byte[]? _redactionKey;

    /// <summary>
    /// The HMAC-SHA256 key of <see cref="AuditRedactAttribute"/> fingerprints, at least 16 bytes. When null (the default)
    /// a random key is drawn once per process: fingerprints then correlate within a run but not across restarts.
    /// Keep it secret: whoever has it can test guesses against fingerprints.
    /// </summary>
    /// <exception cref="ArgumentException">The key is shorter than 16 bytes.</exception>
    public byte[]? RedactionKey
    {
        get => _redactionKey;
        init
        {
            if (value is not null && value.Length < 16)
            {
                throw new ArgumentException("RedactionKey must be at least 16 bytes.", nameof(RedactionKey));
            }

            _redactionKey = value;
        }
    }

    /// <summary>
    /// Whether each line also carries <c>trace_id</c> and <c>span_id</c> of <see cref="System.Diagnostics.Activity.Current"/>
    /// (32 and 16 lowercase hex digits, W3C Trace Context section 3.2.2.3 and 3.2.2.4), after the event's own fields, so
    /// that audit lines join OpenTelemetry traces. Written only when the current activity uses the W3C id format;
    /// read and formatted without allocating. Default <see langword="false"/>.
    /// </summary>
    public bool WriteTraceContext { get; init; }

    /// <summary>The defaults: everything on, 8-char key prefixes, no trace context.</summary>
    public static AuditOptions Default { get; } = new();
}
