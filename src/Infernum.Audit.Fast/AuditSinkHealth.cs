namespace Infernum.Audit.Fast;

/// <summary>The state of an <see cref="AuditLogger"/>'s sink as the writer last saw it.</summary>
public enum AuditSinkHealth
{
    /// <summary>The last write succeeded.</summary>
    Healthy,

    /// <summary>The last write failed; the writer keeps the lines and retries with backoff.</summary>
    Retrying,

    /// <summary>The logger is disposed and its sink closed.</summary>
    Closed,
}
