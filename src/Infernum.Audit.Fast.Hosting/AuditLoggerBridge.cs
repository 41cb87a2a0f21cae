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
    /// <exception cref="ArgumentNullException"><paramref name="logger"/> is <see langword="null"/>.</exception>
    public static AuditSink Create(ILogger logger, AuditSink? alsoTo = null, LogLevel level = LogLevel.Information)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return new LoggerBridgeSink(logger, alsoTo, level);
    }
}
