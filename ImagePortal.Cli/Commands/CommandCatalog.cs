using System.CommandLine;

namespace ImagePortal.Cli.Commands;

/// <summary>The verbs of the <c>imageportal</c> tool, in the order <c>--help</c> lists them.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return DumpCommand.Create();
        yield return ModifyCommand.Create();
        yield return EchoCommand.Create();
        yield return StoreCommand.Create();
        yield return ScpCommand.Create();
        yield return FindCommand.Create();
        yield return GetCommand.Create();
        yield return MoveCommand.Create();
    }
}
