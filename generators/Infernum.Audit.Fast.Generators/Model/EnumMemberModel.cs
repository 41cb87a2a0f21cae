namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>An enum member: how to name it in a <c>case</c> label, and its snake_case wire name.</summary>
internal sealed record EnumMemberModel(string CaseLabel, string WireName);
