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

    /// <summary>
    /// The logger is disposed, but the sink's <c>Write</c> or <c>Flush</c> had not returned when
    /// <see cref="AuditDeliveryOptions.DisposeTimeout"/> ran out: disposing gave up on it, counted every line not yet
    /// written as <see cref="AuditDropReason.Unwritten"/> and completed every pending flush.
    /// </summary>
    Unresponsive,
}
