using System.Collections.Generic;

namespace Infernum.Audit.Fast.Hosting;

/// <summary>The settings the host's logger was built with, and the unknown keys found then, for the lifetime to start from.</summary>
internal sealed record HostedAuditLoggerState(InfernumAuditSettings Applied, IReadOnlyList<string> UnknownKeys);
