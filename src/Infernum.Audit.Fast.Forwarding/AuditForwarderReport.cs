using System;

namespace Infernum.Audit.Fast.Forwarding;

/// <summary>Something the forwarder wants its operator to know (see <see cref="AuditForwarderOptions.OnReport"/>).</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Message">A sentence for a log.</param>
/// <param name="Error">The exception behind it, if any.</param>
public sealed record AuditForwarderReport(AuditForwarderReportKind Kind, string Message, Exception? Error);
