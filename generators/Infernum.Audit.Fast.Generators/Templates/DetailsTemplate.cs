using System.Collections.Generic;
using Infernum.Audit.Fast.Generators.Helpers;
using Infernum.Audit.Fast.Generators.Model;

namespace Infernum.Audit.Fast.Generators.Templates;

/// <summary>
/// Parses a <c>Details</c> template once, at compile time: fixed text with <c>{name}</c> holes, where
/// <c>{{</c> and <c>}}</c> stand for literal braces. A hole names a parameter of the method (C# identifier).
/// </summary>
internal static class DetailsTemplate
{
    /// <summary>Parses <paramref name="template"/>; on failure returns false with a message and the offending offset.</summary>
    public static bool TryParse(string template, out EquatableArray<TemplatePart> parts, out string error, out int errorOffset)
    {
        var result = new List<TemplatePart>();
        var literal = new System.Text.StringBuilder();
        error = string.Empty;
        errorOffset = -1;
        parts = EquatableArray<TemplatePart>.Empty;

        int i = 0;
        while (i < template.Length)
        {
            char c = template[i];
            if (c == '{')
            {
                if (i + 1 < template.Length && template[i + 1] == '{')
                {
                    literal.Append('{');
                    i += 2;
                    continue;
                }

                int close = template.IndexOf('}', i + 1);
                if (close < 0)
                {
                    error = "'{' at offset " + i + " has no closing '}' (write '{{' for a literal brace)";
                    errorOffset = i;
                    return false;
                }

                string name = template.Substring(i + 1, close - i - 1);
                if (!IsIdentifier(name))
                {
                    error = "hole '{" + name + "}' at offset " + i + " is not a parameter name";
                    errorOffset = i;
                    return false;
                }

                if (literal.Length > 0)
                {
                    result.Add(new TemplatePart(IsHole: false, literal.ToString()));
                    literal.Clear();
                }

                result.Add(new TemplatePart(IsHole: true, name));
                i = close + 1;
            }
            else if (c == '}')
            {
                if (i + 1 < template.Length && template[i + 1] == '}')
                {
                    literal.Append('}');
                    i += 2;
                    continue;
                }

                error = "'}' at offset " + i + " closes no hole (write '}}' for a literal brace)";
                errorOffset = i;
                return false;
            }
            else
            {
                literal.Append(c);
                i++;
            }
        }

        if (literal.Length > 0)
        {
            result.Add(new TemplatePart(IsHole: false, literal.ToString()));
        }

        parts = result.ToArray().ToEquatableArray();
        return true;
    }

    /// <summary>Adds each hole of a well-formed <paramref name="template"/> with the offset of its <c>{</c>.</summary>
    public static void FindHoles(string template, List<(string Name, int Offset)> holes)
    {
        int i = 0;
        while (i < template.Length)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                i += 2;
            }
            else if (c == '{')
            {
                int close = template.IndexOf('}', i + 1);
                holes.Add((template.Substring(i + 1, close - i - 1), i));
                i = close + 1;
            }
            else
            {
                i++;
            }
        }
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
