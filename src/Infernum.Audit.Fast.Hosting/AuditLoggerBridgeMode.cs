namespace Infernum.Audit.Fast.Hosting;

/// <summary>Whether audit lines also go to Microsoft.Extensions.Logging.</summary>
public enum AuditLoggerBridgeMode
{
    /// <summary>Only the audit sink (the default: the fast path).</summary>
    None,

    /// <summary>The audit sink, and each line to an <c>ILogger</c> with category <c>Infernum.Audit</c>.</summary>
    Also,

    /// <summary>Only the <c>ILogger</c>: for pipelines built entirely on Microsoft.Extensions.Logging.</summary>
    Only,
}
