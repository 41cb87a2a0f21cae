using System;

namespace Infernum.Audit.Fast;

/// <summary>Checks shared by the options types' setters.</summary>
internal static class OptionGuard
{
    /// <summary>Returns <paramref name="value"/> if it is a defined member of its enum; else throws, naming the option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not defined.</exception>
    public static TEnum Defined<TEnum>(TEnum value, string option)
        where TEnum : struct, Enum
        => Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(option, value, $"Not a defined {typeof(TEnum).Name} value.");
}
