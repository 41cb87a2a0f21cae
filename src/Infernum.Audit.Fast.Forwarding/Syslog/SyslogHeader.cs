namespace Infernum.Audit.Fast.Forwarding.Syslog;

/// <summary>
/// Where a line's header fields are and how long its message will be: found once by
/// <see cref="SyslogMessageWriter.Prepare"/> and used for the size check and the write.
/// </summary>
/// <param name="TimestampStart">Offset of the raw timestamp value in the line, or -1 for the NILVALUE.</param>
/// <param name="TimestampRawLength">Octets of the raw timestamp value.</param>
/// <param name="MessageIdStart">Offset of the event type in the line, or -1 for the NILVALUE.</param>
/// <param name="MessageIdLength">Octets of the event type used for MSGID (at most 32).</param>
/// <param name="MessageLength">Octets of the whole RFC 5424 message, without framing.</param>
internal readonly record struct SyslogHeader(int TimestampStart, int TimestampRawLength, int MessageIdStart, int MessageIdLength, int MessageLength);
