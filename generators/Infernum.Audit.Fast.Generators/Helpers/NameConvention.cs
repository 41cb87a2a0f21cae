using System.Text;

namespace Infernum.Audit.Fast.Generators.Helpers;

/// <summary>How C# names become JSON field names and event names.</summary>
internal static class NameConvention
{
    /// <summary><c>requestId</c> → <c>request_id</c>, <c>HTTPStatus</c> → <c>http_status</c>, <c>AuthSuccess</c> → <c>auth_success</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool startsWord = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((previousIsLowerOrDigit || startsWord) && builder.Length > 0 && builder[builder.Length - 1] != '_')
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether <paramref name="name"/> is lowercase snake_case: <c>[a-z][a-z0-9]*(_[a-z0-9]+)*</c>.</summary>
    public static bool IsSnakeCase(string name)
    {
        if (name.Length == 0 || name[0] < 'a' || name[0] > 'z' || name[name.Length - 1] == '_')
        {
            return false;
        }

        for (int i = 1; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '_' && name[i - 1] != '_');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="name"/> may be a field name, written as is or derived from a parameter: snake_case as
    /// <see cref="IsSnakeCase"/>, except that a letter may be any lowercase or caseless letter of any script
    /// (<c>durée</c>, <c>прізвище</c>); a leading or doubled underscore (<c>_audit</c>, <c>__max</c>) is refused.
    /// </summary>
    public static bool IsFieldName(string name)
    {
        if (name.Length == 0 || !IsLowerLetter(name[0]) || name[name.Length - 1] == '_')
        {
            return false;
        }

        for (int i = 1; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = IsLowerLetter(c) || (c >= '0' && c <= '9') || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark
                or System.Globalization.UnicodeCategory.SpacingCombiningMark || (c == '_' && name[i - 1] != '_');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLowerLetter(char c)
        => (c >= 'a' && c <= 'z')
            || (c > 0x7F && char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.LowercaseLetter or System.Globalization.UnicodeCategory.OtherLetter);
}
