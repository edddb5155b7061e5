using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A C-GET by WADO-RS (PS3.18 §10.4): the identifier a C-GET would send (PS3.4 C.4.3: a study, series, or a list of
/// instances of one series) names the resources to retrieve, and each part of the answer is handed over as the C-STORE
/// sub-operation it replaces: its Part 10 meta group read (PS3.10 7.1), the data set after it streamed. So one
/// <see cref="IDicomStoreProvider"/> takes instances from DIMSE and DICOMweb sources alike.
/// </summary>
public static class WadoRetrieve
{
    /// <summary>Retrieves what <paramref name="identifier"/> names, part by part into <paramref name="onPart"/>; returns how many parts came.</summary>
    public static async Task<int> RetrieveAsync(DicomWebClient client, DicomDataset identifier, Func<DicomWebPart, CancellationToken, Task> onPart, CancellationToken cancellationToken)
    {
        var level = identifier.GetString(DicomTag.QueryRetrieveLevel)?.Trim().ToUpperInvariant();
        var study = identifier.GetString(DicomTag.StudyInstanceUID) ?? throw new ArgumentException("The identifier names no study.", nameof(identifier));
        var delivered = 0;
        switch (level)
        {
            case "STUDY":
                foreach (var uid in identifier.GetStrings(DicomTag.StudyInstanceUID))
                {
                    delivered += await client.RetrieveAsync(uid, null, null, onPart, cancellationToken);
                }

                break;
            case "SERIES":
                foreach (var series in identifier.GetStrings(DicomTag.SeriesInstanceUID))
                {
                    delivered += await client.RetrieveAsync(study, series, null, onPart, cancellationToken);
                }

                break;
            case "IMAGE":
                var inSeries = identifier.GetString(DicomTag.SeriesInstanceUID) ?? throw new ArgumentException("An instance is retrieved within its series.", nameof(identifier));
                foreach (var sop in identifier.GetStrings(DicomTag.SOPInstanceUID))
                {
                    delivered += await client.RetrieveAsync(study, inSeries, sop, onPart, cancellationToken);
                }

                break;
            default:
                throw new ArgumentException($"Query/Retrieve Level '{level}' cannot be retrieved by WADO-RS.", nameof(identifier));
        }

        return delivered;
    }

    /// <summary>How much of a data set is read ahead for its SOP Class and Instance UIDs, which come first in any.</summary>
    private const int IdentityLookAhead = 64 * 1024;

    private static readonly DicomReaderOptions UpToIdentity = new() { StopAtTag = new DicomTag(0x0008, 0x0019) };

    /// <summary>
    /// Reads the meta group of <paramref name="part"/> and returns the instance whose data set is the rest of the part,
    /// named as a C-STORE sub-operation names it: by the SOP Class and Instance UIDs of its data set (PS3.4 C.4.3.3.1;
    /// a file whose meta group says otherwise, as pydicom's rtdose.dcm does, is still that instance), else by its meta group.
    /// A part that is not a Part 10 file throws <see cref="InvalidDataException"/>; an answer that breaks off throws
    /// <see cref="DicomWebException"/>. Once handed over, a break of the data set reads as an <see cref="IOException"/>,
    /// as a broken association does (the attempt fails, not the instance).
    /// </summary>
    public static async Task<ReceivedInstance> ReadAsync(DicomWebPart part, string from, CancellationToken cancellationToken)
    {
        var header = await Part10Header.ReadAsync(part.Body, cancellationToken);
        var ahead = new byte[IdentityLookAhead];
        var read = await part.Body.ReadAtLeastAsync(ahead, ahead.Length, throwOnEndOfStream: false, cancellationToken);
        var (sopClass, sopInstance) = Identity(ahead.AsMemory(0, read), header);
        return new ReceivedInstance(sopClass, sopInstance, header.TransferSyntaxUid, from, string.Empty, new BrokenAsIOStream(part.Body, ahead.AsMemory(0, read)));
    }

    /// <summary>The data set's SOP Class and Instance UIDs, each where the start of it holds one; the meta group's otherwise.</summary>
    private static (string SopClass, string SopInstance) Identity(ReadOnlyMemory<byte> start, Part10Header header)
    {
        var syntax = DicomTransferSyntax.Lookup(header.TransferSyntaxUid);
        if (syntax.IsDeflated || start.IsEmpty)
        {
            return (header.SopClassUid, header.SopInstanceUid);
        }

        try
        {
            using var stream = new MemoryStream(start.ToArray(), writable: false);
            var dataset = DicomReader.ReadDataset(stream, syntax, UpToIdentity);
            return (
                dataset.GetUid(DicomTag.SOPClassUID) is { Length: > 0 } sopClass ? sopClass : header.SopClassUid,
                dataset.GetUid(DicomTag.SOPInstanceUID) is { Length: > 0 } sopInstance ? sopInstance : header.SopInstanceUid);
        }
        catch (DicomFormatException)
        {
            // An element before (0008,0019) runs past the look-ahead, or the data set is broken: the intake finds out which.
            return (header.SopClassUid, header.SopInstanceUid);
        }
    }

    /// <summary>Reads the rest of a part that is skipped, so that the next part can be read.</summary>
    public static Task SkipAsync(DicomWebPart part, CancellationToken cancellationToken) => part.Body.CopyToAsync(Stream.Null, cancellationToken);
}
