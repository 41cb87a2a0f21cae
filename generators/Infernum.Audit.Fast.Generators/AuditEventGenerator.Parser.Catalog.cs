using Infernum.Audit.Fast.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Infernum.Audit.Fast.Generators;

public sealed partial class AuditEventGenerator
{
    internal static partial class Parser
    {
        /// <summary>
        /// The namespace made from the assembly name and the class <c>AuditEventCatalog</c>; if a type of the assembly
        /// already has that name, <c>AuditEventCatalog1</c>, <c>AuditEventCatalog2</c>, …; and if a type of the assembly takes
        /// a segment of the namespace (namespace and type cannot share a name), the namespace is put under
        /// <c>InfernumAuditCatalog</c> (<c>InfernumAuditCatalog1</c>, … if that is a type too): the generated catalog
        /// never collides with a user type.
        /// </summary>
        public static CatalogPlacement PlaceCatalog(Compilation compilation)
        {
            string assemblyName = compilation.AssemblyName ?? "Audit";
            string ns = Catalog.NamespaceFor(assemblyName);
            INamespaceSymbol global = compilation.Assembly.GlobalNamespace;
            for (int n = 0; NamespaceTakenByType(global, ns); n++)
            {
                ns = "InfernumAuditCatalog" + (n == 0 ? string.Empty : n.ToString(System.Globalization.CultureInfo.InvariantCulture)) + "." + Catalog.NamespaceFor(assemblyName);
            }

            string className = "AuditEventCatalog";
            for (int n = 1; NameTaken(global, ns, className); n++)
            {
                className = "AuditEventCatalog" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return new CatalogPlacement(assemblyName, ns, className);
        }

        // Whether some segment of the namespace is already a type of this assembly (namespace and type cannot share a name).
        private static bool NamespaceTakenByType(INamespaceSymbol global, string ns)
        {
            INamespaceSymbol current = global;
            foreach (string segment in ns.Split('.'))
            {
                string name = segment.TrimStart('@');
                INamespaceSymbol? next = null;
                foreach (INamespaceOrTypeSymbol member in current.GetMembers(name))
                {
                    if (member is INamedTypeSymbol)
                    {
                        return true;
                    }

                    next = (INamespaceSymbol)member;
                }

                if (next is null)
                {
                    return false;
                }

                current = next;
            }

            return false;
        }

        private static bool NameTaken(INamespaceSymbol global, string ns, string name)
        {
            INamespaceSymbol? current = global;
            foreach (string segment in ns.Split('.'))
            {
                INamespaceSymbol? next = null;
                foreach (INamespaceOrTypeSymbol member in current.GetMembers(segment.TrimStart('@')))
                {
                    next ??= member as INamespaceSymbol;
                }

                if (next is null)
                {
                    return false;
                }

                current = next;
            }

            foreach (INamespaceOrTypeSymbol _ in current.GetMembers(name))
            {
                return true;
            }

            return false;
        }
    }
}
