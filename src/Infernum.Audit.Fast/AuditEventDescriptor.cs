using System.Collections.Generic;

namespace Infernum.Audit.Fast;

/// <summary>
/// One event an assembly declares, as its generated <c>AuditEventCatalog</c> describes it: the name written as
/// <c>event_type</c> and the fields of its line, in order.
/// </summary>
/// <param name="Name">The <c>event_type</c>.</param>
/// <param name="Method">The declaring method, <c>Namespace.Type.Method</c>.</param>
/// <param name="Fields">The line's fields in the order they are written (<c>seq</c>, when on, follows them).</param>
public sealed record AuditEventDescriptor(string Name, string Method, IReadOnlyList<AuditFieldDescriptor> Fields);
