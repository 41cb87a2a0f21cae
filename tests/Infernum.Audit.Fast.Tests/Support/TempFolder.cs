using System;
using System.IO;

namespace Infernum.Audit.Fast.Tests.Support;

/// <summary>A fresh folder under the system's temp folder, deleted with everything in it on disposal.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix) => Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N"));

    public string Path { get; }

    /// <summary>A path inside the folder (the folder itself is created by whoever writes there).</summary>
    public string File(params string[] parts) => System.IO.Path.Combine(Path, System.IO.Path.Combine(parts));

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
