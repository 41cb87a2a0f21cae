using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;

// caller-ab <rounds> <events per round> <coarse 0|1> <driver folder>...
// Each driver folder holds one commit's build of CallerAB.Driver; each is loaded into its own load context, so the
// commits' runtimes run side by side in one process. Rounds alternate between them (rotating who goes first), so
// machine noise falls on all of them alike; the low percentiles are the figures to compare.
int rounds = int.Parse(args[0]);
int events = int.Parse(args[1]);
bool coarse = args[2] == "1";
string[] folders = args.Skip(3).ToArray();
var runs = new Func<int, double>[folders.Length];
for (int v = 0; v < folders.Length; v++)
{
    string path = Path.GetFullPath(Path.Combine(folders[v], "CallerAB.Driver.dll"));
    Assembly driver = new DriverContext(path).LoadFromAssemblyPath(path);
    Type type = driver.GetType("Driver")!;
    type.GetMethod("Setup")!.Invoke(null, [coarse]);
    runs[v] = type.GetMethod("Run")!.CreateDelegate<Func<int, double>>();
    for (int w = 0; w < 5; w++)
    {
        runs[v](1_000_000); // to tier 1
    }
}

Thread.Sleep(1000);
var results = folders.Select(_ => new List<double>()).ToArray();
for (int r = 0; r < rounds; r++)
{
    for (int i = 0; i < folders.Length; i++)
    {
        int v = (i + r) % folders.Length;
        results[v].Add(runs[v](events));
    }
}

for (int v = 0; v < folders.Length; v++)
{
    double[] s = results[v].Order().ToArray();
    Console.WriteLine($"{folders[v],-40} min {s[0],7:F2}  p5 {s[s.Length / 20],7:F2}  p25 {s[s.Length / 4],7:F2}  median {s[s.Length / 2],7:F2} ns/event");
}

internal sealed class DriverContext(string main) : AssemblyLoadContext(isCollectible: false)
{
    private readonly AssemblyDependencyResolver _resolver = new(main);

    protected override Assembly? Load(AssemblyName name)
        => _resolver.ResolveAssemblyToPath(name) is { } path ? LoadFromAssemblyPath(path) : null;
}
