using System;
using System.Linq;
using BenchmarkDotNet.Running;
using Infernum.Audit.Fast.Benchmarks;

// --verify: check every contender's output once and print a sample line of each (no timing).
// Anything else goes to BenchmarkDotNet, e.g. --filter '*' or --filter '*CallerCost*' --job short.
if (args.Contains("--verify"))
{
    foreach (string name in Verifier.Names)
    {
        string[] lines = Verifier.Verify(name);
        Console.WriteLine($"{name,-14} ok  {lines[0]}");
    }

    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
