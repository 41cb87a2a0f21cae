using Infernum.Audit.Fast.Generators.Helpers;

namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>One parameter of an event method.</summary>
/// <param name="Name">The C# name as written in source (with <c>@</c> if it is a keyword).</param>
/// <param name="Type">The fully qualified type, with nullable annotation, for the signature.</param>
/// <param name="Kind">How its value is written.</param>
/// <param name="IsNullable">Whether null is possible: a nullable reference or <c>Nullable&lt;T&gt;</c> (the field is then left out when null).</param>
/// <param name="IsNullableValueType">Whether the type is <c>Nullable&lt;T&gt;</c>.</param>
/// <param name="Role">What it becomes in the line.</param>
/// <param name="JsonName">The field name, for <see cref="FieldRole.Extra"/> and <see cref="FieldRole.Redacted"/>.</param>
/// <param name="EnumMembers">For <see cref="ValueKind.Enum"/>: every member, in declaration order.</param>
/// <param name="IsScoped">Whether the signature needs <c>scoped</c> (declared so).</param>
internal sealed record ParameterModel(
    string Name,
    string Type,
    ValueKind Kind,
    bool IsNullable,
    bool IsNullableValueType,
    FieldRole Role,
    string JsonName,
    EquatableArray<EnumMemberModel> EnumMembers,
    bool IsScoped);
