using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Running;
using Infernum.Audit.Fast.Benchmarks;

// --verify: check every contender's output once and print a sample line of each (no timing).
// --smoke: every benchmark once (BenchmarkDotNet's dry job), for CI.
// Anything else goes to BenchmarkDotNet, e.g. --filter '*' or --filter '*CallerCost*'.
if (args.Contains("--verify"))
{
    foreach (string name in Verifier.Names)
    {
        string[] lines = Verifier.Verify(name);
        Console.WriteLine($"{name,-14} ok  {lines[0]}");
    }

    return 0;
}

if (args.Contains("--smoke"))
{
    Environment.SetEnvironmentVariable(Smoke.Variable, "1");
    args = args.Where(a => a != "--smoke").ToArray();
}

IEnumerable<BenchmarkDotNet.Reports.Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

// A benchmark that threw (a contender's output failed verification, a file came up short) fails the run.
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
