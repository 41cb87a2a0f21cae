namespace Infernum.Audit.Fast;

/// <summary>One field of an audit line.</summary>
/// <param name="Name">The JSON property name.</param>
/// <param name="JsonType">The JSON Schema type: <c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c>, or two joined by <c>|</c>.</param>
/// <param name="Required">Whether every line of the event has it (false when a switch or a null value leaves it out).</param>
public sealed record AuditFieldDescriptor(string Name, string JsonType, bool Required);
