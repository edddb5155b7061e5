using System.CommandLine;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Cli.Commands;

/// <summary>
/// <c>imageportal get PEER PORT -k ... -od DIR</c>: C-GET (PS3.4 C.4.3), the instances streamed into a
/// folder as they arrive, like DCMTK's getscu.
/// </summary>
public static class GetCommand
{
    public static Command Create()
    {
        var peer = new PeerOptions();
        var query = new QueryOptions("STUDY");
        var outputDirectory = new Option<DirectoryInfo>("--output-directory", "-od") { Description = "Folder to store the retrieved files in.", Required = true };
        var sopClasses = new Option<string[]>("--sop-class") { Description = "Storage SOP class UIDs to accept (default: the common image objects)." };
        var command = peer.NewCommand("get", "Retrieve instances with C-GET into a folder.");
        query.AddTo(command);
        command.Options.Add(outputDirectory);
        command.Options.Add(sopClasses);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            if (!query.TryRead(parseResult, error, DicomNetworkUids.StudyRootGet, DicomNetworkUids.PatientRootGet, out var identifier, out var sopClass))
            {
                return NetworkExitCodes.InvalidInput;
            }

            var storage = parseResult.GetValue(sopClasses) is { Length: > 0 } named ? named : NetworkErrors.CommonStorageSopClasses;
            return await NetworkErrors.RunAsync("get", error, async () =>
            {
                var sink = new FolderStoreProvider(parseResult.GetValue(outputDirectory)!.FullName);
                await using var association = await peer.CreateClient(parseResult).OpenAsync(
                    [new PresentationContextRequest(sopClass, NetworkErrors.UncompressedSyntaxes), .. DicomClientAssociation.StorageContextsForGet(storage, NetworkErrors.UncompressedSyntaxes)],
                    cancellationToken);
                return await RetrieveReport.RunAsync("get", parseResult, association, association.GetAsync(sopClass, identifier, sink, cancellationToken), cancellationToken);
            });
        });
        return command;
    }
}

/// <summary><c>imageportal move PEER PORT --move AE -k ...</c>: C-MOVE (PS3.4 C.4.2) to a named destination, like DCMTK's movescu.</summary>
public static class MoveCommand
{
    public static Command Create()
    {
        var peer = new PeerOptions();
        var query = new QueryOptions("STUDY");
        var destination = new Option<string>("--move", "-aem") { Description = "AE title of the destination (known to the peer).", Required = true };
        var command = peer.NewCommand("move", "Ask a PACS to send instances to a destination AE with C-MOVE.");
        query.AddTo(command);
        command.Options.Add(destination);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            if (!query.TryRead(parseResult, error, DicomNetworkUids.StudyRootMove, DicomNetworkUids.PatientRootMove, out var identifier, out var sopClass))
            {
                return NetworkExitCodes.InvalidInput;
            }

            return await NetworkErrors.RunAsync("move", error, async () =>
            {
                await using var association = await peer.CreateClient(parseResult).OpenAsync([new PresentationContextRequest(sopClass, NetworkErrors.UncompressedSyntaxes)], cancellationToken);
                return await RetrieveReport.RunAsync("move", parseResult, association, association.MoveAsync(sopClass, parseResult.GetValue(destination)!, identifier, cancellationToken), cancellationToken);
            });
        });
        return command;
    }
}

internal static class RetrieveReport
{
    public static async Task<int> RunAsync(string verb, ParseResult parseResult, DicomClientAssociation association, IAsyncEnumerable<RetrieveProgress> progress, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        RetrieveProgress? last = null;
        await foreach (var step in progress)
        {
            last = step;
            if (step.Status.IsPending)
            {
                output.WriteLine($"{verb}: {step.Completed ?? 0} completed, {step.Failed ?? 0} failed, {step.Remaining ?? 0} remaining");
            }
        }

        await association.ReleaseAsync(cancellationToken);
        if (last is null)
        {
            error.WriteLine($"imageportal {verb}: no response.");
            return NetworkExitCodes.NetworkError;
        }

        output.WriteLine($"{verb}: {last.Completed ?? 0} completed, {last.Failed ?? 0} failed, {last.Warning ?? 0} warnings; final status {last.Status}");
        if (last.ErrorComment is { } comment)
        {
            error.WriteLine($"imageportal {verb}: {comment}");
        }

        // PS3.4 C.4.2.1.3.1: the peer's Failed SOP Instance UID List, one line each, for scripts.
        foreach (var uid in last.FailedSopInstanceUids)
        {
            error.WriteLine($"imageportal {verb}: failed instance {uid}");
        }

        return last.Status == DimseStatus.Success ? NetworkExitCodes.Success : NetworkExitCodes.DimseFailure;
    }
}
