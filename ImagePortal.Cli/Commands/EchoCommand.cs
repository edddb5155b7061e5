using System.CommandLine;
using System.Diagnostics;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Cli.Commands;

/// <summary><c>imageportal echo PEER PORT</c>: C-ECHO (PS3.7 9.1.5), like DCMTK's echoscu.</summary>
public static class EchoCommand
{
    public static Command Create()
    {
        var peer = new PeerOptions();
        var repeat = new Option<int>("--repeat", "-r") { Description = "Echoes to send over the one association.", DefaultValueFactory = _ => 1 };
        var command = peer.NewCommand("echo", "Verify a DICOM connection with C-ECHO.");
        command.Options.Add(repeat);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return await NetworkErrors.RunAsync("echo", error, async () =>
            {
                var client = peer.CreateClient(parseResult);
                var stopwatch = Stopwatch.StartNew();
                await using var association = await client.OpenAsync([Dicom.Network.Association.PresentationContextRequest.Verification()], cancellationToken);
                var worst = DimseStatus.Success;
                for (var i = 0; i < Math.Max(1, parseResult.GetValue(repeat)); i++)
                {
                    var status = await association.EchoAsync(cancellationToken);
                    if (status != DimseStatus.Success)
                    {
                        worst = status;
                    }
                }

                await association.ReleaseAsync(cancellationToken);
                output.WriteLine($"echo {client.Options.CalledAeTitle}@{client.Host}:{client.Port}: {worst} in {stopwatch.ElapsedMilliseconds} ms");
                return worst == DimseStatus.Success ? NetworkExitCodes.Success : NetworkExitCodes.DimseFailure;
            });
        });
        return command;
    }
}
