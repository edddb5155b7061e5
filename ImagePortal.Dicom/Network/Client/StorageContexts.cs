using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Client;

/// <summary>Presentation contexts for storing a set of Part 10 files as they are, without transcoding.</summary>
public static class StorageContexts
{
    /// <summary>
    /// One context per distinct (SOP class, transfer syntax) among the files' meta groups, like DCMTK
    /// storescu's default. Fails when they need more than the 128 contexts one association can carry
    /// (PS3.8 9.3.2.2); callers split the files into batches then.
    /// </summary>
    public static async Task<IReadOnlyList<PresentationContextRequest>> ForFilesAsync(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var pairs = new HashSet<(string SopClass, string TransferSyntax)>();
        foreach (var path in paths)
        {
            await using var file = File.OpenRead(path);
            var header = await Part10Header.ReadAsync(file, cancellationToken).ConfigureAwait(false);
            pairs.Add((header.SopClassUid, header.TransferSyntaxUid));
        }

        return ForPairs(pairs);
    }

    public static IReadOnlyList<PresentationContextRequest> ForPairs(IEnumerable<(string SopClass, string TransferSyntax)> pairs)
    {
        var contexts = pairs.Distinct().Select(p => new PresentationContextRequest(p.SopClass, [p.TransferSyntax])).ToList();
        if (contexts.Count > 128)
        {
            throw new InvalidOperationException($"{contexts.Count} SOP class/transfer syntax combinations need more than the 128 presentation contexts of one association.");
        }

        return contexts;
    }
}
