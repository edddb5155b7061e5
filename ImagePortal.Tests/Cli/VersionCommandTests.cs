using System.CommandLine;
using ImagePortal.Cli.Commands;

namespace ImagePortal.Tests.Cli;

public sealed class VersionCommandTests
{
    [Fact]
    public async Task Version_PrintsToolNameAndVersion()
    {
        var root = new RootCommand();
        root.Subcommands.Add(VersionCommand.Create());
        var output = new StringWriter();

        var exit = await root.Parse(["version"]).InvokeAsync(new InvocationConfiguration { Output = output }, TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        Assert.StartsWith("imageportal ", output.ToString());
    }
}
