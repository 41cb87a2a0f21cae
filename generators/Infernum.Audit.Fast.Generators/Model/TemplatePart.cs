namespace Infernum.Audit.Fast.Generators.Model;

/// <summary>A piece of a details template: fixed text, or a hole naming a parameter.</summary>
internal sealed record TemplatePart(bool IsHole, string Text);
