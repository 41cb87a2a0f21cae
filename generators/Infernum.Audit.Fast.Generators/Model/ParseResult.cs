using Infernum.Audit.Fast.Generators.Helpers;

namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>What the parser makes of one annotated method: a model (null if it has errors) and its diagnostics.</summary>
internal sealed record ParseResult(EventModel? Event, EquatableArray<DiagnosticInfo> Diagnostics);
