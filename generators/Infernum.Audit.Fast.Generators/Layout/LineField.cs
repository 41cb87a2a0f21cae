namespace Infernum.Audit.Fast.Generators.Layout;

/// <summary>A field of a line as the catalog and its schema describe it.</summary>
/// <param name="Name">The JSON name.</param>
/// <param name="JsonType">JSON Schema type; two joined by <c>|</c> (<c>string|integer</c>).</param>
/// <param name="Required">Whether every line of the event has it.</param>
/// <param name="Constant">Its only value, when fixed at compile time (JSON text for a boolean).</param>
/// <param name="Pattern">A JSON Schema pattern, already escaped for a JSON string, or null.</param>
internal sealed record LineField(string Name, string JsonType, bool Required, string? Constant, string? Pattern);
