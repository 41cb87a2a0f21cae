namespace Infernum.Audit.Fast.Hosting;

/// <summary>Where the host's audit logger writes.</summary>
public enum AuditSinkKind
{
    /// <summary>A file (<see cref="InfernumAuditSettings.FilePath"/>).</summary>
    File,

    /// <summary>The process's standard output.</summary>
    StandardOutput,
}
