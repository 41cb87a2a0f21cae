using System;

namespace Infernum.Audit.Fast.Evidence.Notes;

/// <summary>
/// Standard padded base64 (RFC 4648 §4) with nothing else in it. <see cref="Convert.FromBase64String"/> skips spaces,
/// tabs and line ends, so two different texts would decode to one signature, root or key: a note in a file could be
/// changed without any check noticing. C2SP signed-note and tlog-checkpoint put base64 on one line with no whitespace,
/// as Go's <c>base64.StdEncoding</c> writes it.
/// </summary>
internal static class StrictBase64
{
    /// <summary>Decodes <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">The text holds a character outside the base64 alphabet and its padding, or is not base64.</exception>
    internal static byte[] Decode(string text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '/' && c != '=')
            {
                throw new FormatException("Base64 here holds only A-Z, a-z, 0-9, '+', '/' and '=' padding: no spaces or line ends.");
            }
        }

        return Convert.FromBase64String(text);
    }
}
