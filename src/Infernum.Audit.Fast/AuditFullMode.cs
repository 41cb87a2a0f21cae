namespace Infernum.Audit.Fast;

/// <summary>What an event does when the logger's buffer is full because the sink is behind or failing.</summary>
/// <remarks>
/// "Full" means the bytes of accepted lines waiting for the sink (<see cref="AuditCounters.BufferedBytes"/>), with the
/// lines being written at that moment, leave no room for the event; room that idle threads took and did not use is
/// taken back first. One more case counts as full: while the sink's <c>Write</c> or <c>Flush</c> has not returned for
/// over 100 ms, a thread logging to the logger for the first time (or after 100 ms idle) once more than 1,024 such
/// threads have started since the writer last ran, since each would hold memory the bound does not count.
/// </remarks>
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
