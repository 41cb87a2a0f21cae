using System;
using Microsoft.Extensions.Logging;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>Creates the Microsoft.Extensions.Logging bridge sink without a host (the host does it from configuration).</summary>
public static class AuditLoggerBridge
{
    /// <summary>
    /// A sink that forwards each line to <paramref name="logger"/> (structured fields, the JSON line as the message, an
    /// <see cref="EventId"/> per event type) and, if given, also writes it to <paramref name="alsoTo"/>. It runs on the
    /// audit writer's thread and checks <see cref="ILogger.IsEnabled"/> first.
    /// </summary>
    /// <param name="logger">The destination, usually from <c>loggerFactory.CreateLogger("Infernum.Audit")</c>.</param>
    /// <param name="alsoTo">A sink that also receives every line, or <see langword="null"/> for the logger only.</param>
    /// <param name="level">The level lines are logged at.</param>
    /// <param name="onForwardFault">
    /// Called on the audit writer's thread with each exception <paramref name="logger"/> throws while
    /// <paramref name="alsoTo"/> is given; exceptions from the callback itself are ignored. Default <see langword="null"/>.
    /// </param>
    /// <remarks>
    /// <para><b>With <paramref name="alsoTo"/>, that sink is the record.</b> A line counts as written
    /// (<see cref="AuditCounters.Written"/>) when <paramref name="alsoTo"/> took it. If <paramref name="logger"/> throws on
    /// a line, the line is not forwarded again and the record is not held back: the failure goes to
    /// <paramref name="onForwardFault"/> and is neither a sink fault nor a retry, so a failing logger cannot stall the
    /// file, leave <c>Flush</c> waiting, or make lines that are in the file count as unwritten. Faults of
    /// <paramref name="alsoTo"/> are sink faults as usual (counted, reported, retried); lines it already took are not
    /// forwarded twice.</para>
    /// <para><b>Without <paramref name="alsoTo"/>, the logger is the record:</b> its exceptions are sink faults, retried
    /// from the first line not yet forwarded, so no line reaches it twice.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logger"/> is <see langword="null"/>.</exception>
    public static AuditSink Create(ILogger logger, AuditSink? alsoTo = null, LogLevel level = LogLevel.Information, Action<Exception>? onForwardFault = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return new LoggerBridgeSink(logger, alsoTo, level, onForwardFault);
    }
}
