using System.CommandLine;
using System.Net;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Server;

namespace ImagePortal.Cli.Commands;

/// <summary>
/// <c>imageportal scp --output DIR</c>: a storage SCP (and C-ECHO) that receives into a folder until
/// interrupted, like DCMTK's storescp. Files are named by a generated id, never by a received value.
/// </summary>
public static class ScpCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "TCP port to listen on.", DefaultValueFactory = _ => 11112 };
        var aeTitle = new Option<string>("--aetitle", "-aet") { Description = "Our AE title (the called AE title we answer to).", DefaultValueFactory = _ => "IMAGEPORTAL" };
        var outputDirectory = new Option<DirectoryInfo>("--output-directory", "-od") { Description = "Folder to store received files in.", Required = true };
        var bind = new Option<string>("--bind") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var allow = new Option<string[]>("--allow") { Description = "Calling AE titles allowed in (default: any)." };
        var maxAssociations = new Option<int>("--max-associations") { Description = "Associations served at once.", DefaultValueFactory = _ => 16 };
        var command = new Command("scp", "Receive DICOM instances (C-STORE) into a folder until interrupted.");
        command.Options.Add(port);
        command.Options.Add(aeTitle);
        command.Options.Add(outputDirectory);
        command.Options.Add(bind);
        command.Options.Add(allow);
        command.Options.Add(maxAssociations);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (!IPAddress.TryParse(parseResult.GetValue(bind), out var address))
            {
                error.WriteLine($"imageportal scp: '{parseResult.GetValue(bind)}' is not an IP address.");
                return NetworkExitCodes.InvalidInput;
            }

            var allowed = parseResult.GetValue(allow);
            var options = new DicomServerOptions
            {
                AeTitle = parseResult.GetValue(aeTitle)!,
                Port = parseResult.GetValue(port),
                BindAddress = address,
                MaxAssociations = parseResult.GetValue(maxAssociations),
                DefaultPermissions = DicomPermissions.Echo | DicomPermissions.Store,
                AllowedCallingAeTitles = allowed is { Length: > 0 }
                    ? allowed.ToDictionary(ae => ae, _ => DicomPermissions.Echo | DicomPermissions.Store, StringComparer.Ordinal)
                    : null,
            };
            var store = new FolderStoreProvider(parseResult.GetValue(outputDirectory)!.FullName);
            store.Stored += (path, instance) =>
            {
                lock (output)
                {
                    output.WriteLine($"stored {path} from {instance.CallingAeTitle} ({instance.SopClassUid})");
                }
            };
            try
            {
                await using var server = new DicomServer(options) { Store = store };
                server.Start();
                output.WriteLine($"listening as {options.AeTitle} on {address}:{server.Port}, storing into {store.Folder}");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                }

                return NetworkExitCodes.Success;
            }
            catch (System.Net.Sockets.SocketException exception)
            {
                error.WriteLine($"imageportal scp: cannot listen on {address}:{options.Port}: {exception.Message}");
                return NetworkExitCodes.NetworkError;
            }
        });
        return command;
    }
}
