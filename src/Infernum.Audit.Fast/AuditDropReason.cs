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

    /// <summary>
    /// The line could exceed the largest line accepted: 16 MiB or <see cref="AuditDeliveryOptions.MaxBufferedBytes"/>,
    /// whichever is smaller. Judged before the line is written, on its worst-case size: each text field counts 6 bytes
    /// per UTF-16 char (or UTF-8 byte), the length of its longest JSON escape (<c>\u001F</c>), and a formattable value
    /// its fixed room. So with the 64 KiB smallest bound, a field of more than about 10,900 chars is refused as
    /// oversize even when its escaped text would be shorter; judging on the escaped size would mean escaping every
    /// field twice on each event. Size the bound at 6× the longest text you log.
    /// </summary>
    Oversize,

    /// <summary>The event was logged after the logger was disposed.</summary>
    Disposed,

    /// <summary>Formatting the event threw (for example a user type's formatter); nothing of it was written.</summary>
    FormatError,

    /// <summary>The event was accepted but the sink never took it before the dispose timeout ran out.</summary>
    Unwritten,

    /// <summary>
    /// No <c>seq</c> was left: the logger had numbered an event <see cref="long.MaxValue"/>, and a number is never
    /// reused or wrapped. From then on every event is refused with this reason (the file needs a new sequence:
    /// a new file, or <see cref="AuditDeliveryOptions.WriteSequenceNumbers"/> off is not enough, since drop records
    /// still number their ranges).
    /// </summary>
    SequenceExhausted,
}
