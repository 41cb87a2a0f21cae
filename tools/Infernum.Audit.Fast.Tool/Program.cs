using System;
using System.CommandLine;

namespace Infernum.Audit.Fast.Tool;

/// <summary>The <c>infernum-audit</c> command line: one subcommand per file in <c>Commands/</c>.</summary>
public static class Program
{
    /// <summary>Builds the root command with every subcommand registered.</summary>
    /// <returns>The root command.</returns>
    public static RootCommand CreateRootCommand()
    {
        RootCommand root = new("Tools for Infernum.Audit.Fast audit files.");
        // One line per subcommand; each lives in Commands/<Name>Command.cs and exposes static Command Create().
        root.Subcommands.Add(Commands.ForwardCommand.Create());
        root.Subcommands.Add(Commands.VerifyCommand.Create());
        root.Subcommands.Add(Commands.ProveCommand.Create());
        root.Subcommands.Add(Commands.ConsistencyCommand.Create());
        return root;
    }

    /// <summary>Runs the tool.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The process exit code: 0 on success.</returns>
    public static int Main(string[] args) => CreateRootCommand().Parse(args).Invoke(new InvocationConfiguration
    {
        // On SIGINT/SIGTERM a command gets this long to finish cleanly (forward closes its connection, up to 5 s).
        ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
    });
}
