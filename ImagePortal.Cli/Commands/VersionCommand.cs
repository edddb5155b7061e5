using System.CommandLine;
using System.Reflection;

namespace ImagePortal.Cli.Commands;

/// <summary><c>imageportal version</c>: prints the tool's version, for support requests.</summary>
public static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version of the imageportal tool.");
        command.SetAction(parseResult =>
        {
            var version = typeof(VersionCommand).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            parseResult.InvocationConfiguration.Output.WriteLine($"imageportal {version}");
            return 0;
        });
        return command;
    }
}
