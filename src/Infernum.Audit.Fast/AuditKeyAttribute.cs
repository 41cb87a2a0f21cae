using System;

namespace Infernum.Audit.Fast;

/// <summary>
/// Marks a parameter holding an API key: it is never written whole, only as <c>key_prefix</c> — its first
/// <see cref="AuditOptions.KeyPrefixLength"/> chars — and only while <see cref="AuditOptions.LogKeyPrefix"/> is on.
/// A <see langword="null"/> key leaves <c>key_prefix</c> out.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class AuditKeyAttribute : Attribute
{
}
