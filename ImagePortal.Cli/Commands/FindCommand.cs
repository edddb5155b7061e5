using System.CommandLine;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Cli.Commands;

/// <summary><c>imageportal find PEER PORT -k Key=value ...</c>: C-FIND (PS3.4 C.4.1), like DCMTK's findscu.</summary>
public static class FindCommand
{
    public static Command Create()
    {
        var peer = new PeerOptions();
        var query = new QueryOptions("STUDY");
        var command = peer.NewCommand("find", "Query a PACS with C-FIND; prints one block of keys per match.");
        query.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (!query.TryRead(parseResult, error, DicomNetworkUids.StudyRootFind, DicomNetworkUids.PatientRootFind, out var identifier, out var sopClass))
            {
                return NetworkExitCodes.InvalidInput;
            }

            return await NetworkErrors.RunAsync("find", error, async () =>
            {
                await using var association = await peer.CreateClient(parseResult).OpenAsync([new PresentationContextRequest(sopClass, NetworkErrors.UncompressedSyntaxes)], cancellationToken);
                var matches = 0;
                var final = DimseStatus.Success;
                await foreach (var result in association.FindAsync(sopClass, identifier, cancellationToken))
                {
                    if (result.Status.IsPending && result.Identifier is { } match)
                    {
                        matches++;
                        output.WriteLine($"# match {matches}");
                        foreach (var element in match.Where(e => e.Tag != DicomTag.SpecificCharacterSet))
                        {
                            var entry = DicomDictionary.Find(element.Tag);
                            output.WriteLine($"{element.Tag} {entry?.Keyword ?? "?"} = {SafeText(match, element.Tag)}");
                        }
                    }
                    else
                    {
                        final = result.Status;
                        if (result.ErrorComment is { } comment)
                        {
                            error.WriteLine($"imageportal find: {comment}");
                        }
                    }
                }

                await association.ReleaseAsync(cancellationToken);
                output.WriteLine($"{matches} matches; final status {final}");
                return final == DimseStatus.Success ? NetworkExitCodes.Success : NetworkExitCodes.DimseFailure;
            });
        });
        return command;
    }

    private static string SafeText(DicomDataset dataset, DicomTag tag)
    {
        try
        {
            return dataset.GetString(tag) ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return "(binary)";
        }
    }
}
