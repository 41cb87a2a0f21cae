namespace Infernum.Audit.Fast;

/// <summary>What an event does when the logger's buffer is full because the sink is behind or failing.</summary>
public enum AuditFullMode
{
    /// <summary>Wait up to <see cref="AuditDeliveryOptions.BlockTimeout"/> for room, then drop the event (counted, and recorded in the file).</summary>
    Block,

    /// <summary>Drop the event at once (counted, and recorded in the file).</summary>
    Drop,

    /// <summary>
    /// Refuse the event at once: it is counted and recorded like a drop, and a <see langword="bool"/>-returning event
    /// method returns <see langword="false"/>, so the caller can deny the request it was auditing.
    /// </summary>
    FailClosed,
}
