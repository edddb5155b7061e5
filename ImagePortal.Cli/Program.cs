using System.CommandLine;
using ImagePortal.Cli.Commands;

var root = new RootCommand("imageportal: DICOM tools for ImagePortal administrators.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
