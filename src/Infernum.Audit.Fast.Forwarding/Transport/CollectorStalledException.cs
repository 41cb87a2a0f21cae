using System;

namespace Infernum.Audit.Fast.Forwarding.Transport;

/// <summary>
/// The collector holds the connection but stopped taking data: a send made no progress within the SendTimeout, the
/// handshake or RELP open went unanswered within the ConnectTimeout, an acknowledgement did not come within the
/// AckTimeout, or a close was not confirmed. The forwarder reports it as <see cref="AuditForwarderReportKind.Stalled"/>.
/// </summary>
internal sealed class CollectorStalledException : TimeoutException
{
    public CollectorStalledException(string message)
        : base(message)
    {
    }

    public CollectorStalledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
