namespace Infernum.Audit.Fast;

/// <summary>Why an event was not written. Every dropped event is counted under one reason.</summary>
public enum AuditDropReason
{
    /// <summary>The buffer was full under <see cref="AuditFullMode.Drop"/>.</summary>
    BufferFull,

    /// <summary>The buffer stayed full for the whole <see cref="AuditDeliveryOptions.BlockTimeout"/> under <see cref="AuditFullMode.Block"/>.</summary>
    BlockTimeout,

    /// <summary>The buffer was full under <see cref="AuditFullMode.FailClosed"/>: the event was refused.</summary>
    Rejected,

    /// <summary>The line would exceed the largest line accepted (16 MiB).</summary>
    Oversize,

    /// <summary>The event was logged after the logger was disposed.</summary>
    Disposed,

    /// <summary>Formatting the event threw (for example a user type's formatter); nothing of it was written.</summary>
    FormatError,

    /// <summary>The event was accepted but the sink never took it before the dispose timeout ran out.</summary>
    Unwritten,
}
