using System;

namespace Infernum.Audit.Fast.Forwarding.Relp;

/// <summary>The RELP server sent something that is not a valid frame, or refused a command.</summary>
public sealed class RelpProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RelpProtocolException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was wrong.</param>
    public RelpProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The cause.</param>
    public RelpProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
