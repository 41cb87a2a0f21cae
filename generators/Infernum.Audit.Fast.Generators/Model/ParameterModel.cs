using Infernum.Audit.Fast.Generators.Helpers;

namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>One parameter of an event method.</summary>
/// <param name="Name">The C# name as written in source (with <c>@</c> if it is a keyword).</param>
/// <param name="Type">The fully qualified type, with nullable annotation, for the signature.</param>
/// <param name="Modifiers">The declaration's parameter modifiers as written, each followed by a space (<c>this </c>, <c>params </c>, <c>scoped </c>), or empty.</param>
/// <param name="Kind">How its value is written.</param>
/// <param name="IsNullable">Whether null is possible: a nullable or nullable-oblivious reference, or <c>Nullable&lt;T&gt;</c> (the field is then left out when null).</param>
/// <param name="IsNullableValueType">Whether the type is <c>Nullable&lt;T&gt;</c>.</param>
/// <param name="Role">What it becomes in the line.</param>
/// <param name="JsonName">The field name, for <see cref="FieldRole.Extra"/> and <see cref="FieldRole.Redacted"/>.</param>
/// <param name="EnumMembers">For <see cref="ValueKind.Enum"/>: every member with a distinct value, in declaration order.</param>
/// <param name="EnumIsUnsigned">For <see cref="ValueKind.Enum"/>: whether its underlying type is unsigned (an undefined value is then written as a <c>ulong</c>).</param>
internal sealed record ParameterModel(
    string Name,
    string Type,
    string Modifiers,
    ValueKind Kind,
    bool IsNullable,
    bool IsNullableValueType,
    FieldRole Role,
    string JsonName,
    EquatableArray<EnumMemberModel> EnumMembers,
    bool EnumIsUnsigned);
