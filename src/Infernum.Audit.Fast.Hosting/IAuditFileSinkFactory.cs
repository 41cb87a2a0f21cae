using Infernum.Audit.Fast;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>
/// Makes the file sink of the host's audit logger when <see cref="InfernumAuditSettings.Sink"/> is
/// <see cref="AuditSinkKind.File"/>: register one as a singleton to wrap or replace the plain file sink (the
/// Infernum.Audit.Fast.Evidence package registers one for tamper-evident files through
/// <c>AddInfernumAuditEvidence</c>). Without one, <see cref="AuditSink.ToFile(string, AuditFileOptions)"/> is used.
/// With one registered, a host whose settings write no file (<see cref="InfernumAuditSettings.Sink"/> other than
/// <see cref="AuditSinkKind.File"/>, or <see cref="InfernumAuditSettings.ForwardToLogger"/> <see cref="AuditLoggerBridgeMode.Only"/>)
/// does not start: it throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming the setting,
/// rather than write lines without what the factory adds.
/// </summary>
public interface IAuditFileSinkFactory
{
    /// <summary>Opens the sink for the audit file.</summary>
    /// <param name="path">The audit file's full path, resolved against the host's content root.</param>
    /// <param name="options">The file settings bound from <see cref="InfernumAuditSettings"/>.</param>
    /// <returns>The sink the logger writes to; the logger owns and disposes it.</returns>
    /// <exception cref="System.Exception">Whatever opening the file or checking the factory's own settings throws: the host does not start.</exception>
    AuditSink Create(string path, AuditFileOptions options);

    /// <summary>A few words for the host's start-up message, such as <c>tamper-evident</c>; <see langword="null"/> for none.</summary>
    string? Description { get; }
}
