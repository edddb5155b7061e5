using System.CommandLine;
using ImagePortal.Cli.Commands;

namespace ImagePortal.Cli;

/// <summary>The <c>imageportal</c> administrators' tool: one verb per DICOM task, modelled on DCMTK's tools.</summary>
public static class EntryPoint
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("imageportal: DICOM tools for ImagePortal administrators.");
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        return await root.Parse(args).InvokeAsync();
    }
}
