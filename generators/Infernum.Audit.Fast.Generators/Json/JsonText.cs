using System.Globalization;
using System.Text;

namespace Infernum.Audit.Fast.Generators.Json;

/// <summary>Compile-time twin of the runtime's escaper: constant texts are escaped once, here, by the same rules.</summary>
internal static class JsonText
{
    /// <summary>Escapes <paramref name="value"/> as the inside of a JSON string (lone surrogates become U+FFFD).</summary>
    public static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '"': builder.Append("\\\""); continue;
                case '\\': builder.Append("\\\\"); continue;
                case '\n': builder.Append("\\n"); continue;
                case '\r': builder.Append("\\r"); continue;
                case '\t': builder.Append("\\t"); continue;
                case '\b': builder.Append("\\b"); continue;
                case '\f': builder.Append("\\f"); continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append('\uFFFD');
            }
            else if (MustEscape(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>UTF-8 length of already-escaped text.</summary>
    public static int Utf8Length(string escaped) => Encoding.UTF8.GetByteCount(escaped);

    /// <summary>
    /// <paramref name="utf8Text"/> as a C# <c>u8</c> string literal, with every non-printable-ASCII char written as a C# escape.
    /// </summary>
    public static string ToCSharpUtf8Literal(string utf8Text)
    {
        var builder = new StringBuilder(utf8Text.Length + 8);
        builder.Append('"');
        foreach (char c in utf8Text)
        {
            if (c == '"' || c == '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c < 0x20 || c > 0x7E)
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append("\"u8").ToString();
    }


    private static bool MustEscape(char c)
        => c < 0x20
           || (c >= '\u007F' && c <= '\u009F')
           || c == '\u061C'
           || c == '\u200E' || c == '\u200F'
           || (c >= '\u2028' && c <= '\u202E')
           || (c >= '\u2066' && c <= '\u2069');
}
