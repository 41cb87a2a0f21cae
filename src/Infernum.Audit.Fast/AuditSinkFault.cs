using System;

namespace Infernum.Audit.Fast;

/// <summary>A report from the writer about the sink: a failure, or its recovery.</summary>
/// <param name="Error">What the sink threw; <see langword="null"/> when the sink has recovered.</param>
/// <param name="ConsecutiveFailures">Failures in a row so far (0 on recovery).</param>
/// <param name="BufferedBytes">Bytes waiting for the sink.</param>
public sealed record AuditSinkFault(Exception? Error, int ConsecutiveFailures, long BufferedBytes);
