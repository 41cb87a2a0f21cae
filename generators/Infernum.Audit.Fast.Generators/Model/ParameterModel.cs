namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>One parameter of an event method.</summary>
/// <param name="Name">The C# name as written in source (with <c>@</c> if it is a keyword).</param>
/// <param name="Type">The fully qualified type, with nullable annotation, for the signature.</param>
/// <param name="Kind">How its value is written.</param>
/// <param name="IsNullable">Whether null is possible (the field is then left out when null).</param>
/// <param name="Role">What it becomes in the line.</param>
/// <param name="JsonName">The field name, for <see cref="FieldRole.Extra"/>.</param>
internal sealed record ParameterModel(string Name, string Type, ValueKind Kind, bool IsNullable, FieldRole Role, string JsonName);
