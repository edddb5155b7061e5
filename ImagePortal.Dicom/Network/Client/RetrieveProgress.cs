using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Client;

/// <summary>
/// Progress or outcome of a C-MOVE or C-GET (PS3.4 C.4.2.3, C.4.3.3): the sub-operation counters and, in
/// a final response with status cancel, warning or failure, the instances the peer listed as failed in
/// its Failed SOP Instance UID List (0008,0058).
/// </summary>
public sealed record RetrieveProgress(DimseStatus Status, ushort? Remaining, ushort? Completed, ushort? Failed, ushort? Warning, string? ErrorComment)
{
    /// <summary>The SOP Instance UIDs the peer reported as failed; empty when it sent no list.</summary>
    public IReadOnlyList<string> FailedSopInstanceUids { get; init; } = [];

    internal static RetrieveProgress From(DimseResponse response)
    {
        var command = response.Command;
        return new RetrieveProgress(
            command.Status,
            command.RemainingSuboperations,
            command.CompletedSuboperations,
            command.FailedSuboperations,
            command.WarningSuboperations,
            command.ErrorComment)
        {
            // PS3.4 C.4.2.1.3.1 puts the list into the identifier; Orthanc 1.10 puts it into the command set.
            FailedSopInstanceUids = command.Status.IsPending ? [] : command.FailedSopInstanceUids.Union(ReadFailedList(response)).ToArray(),
        };
    }

    private static string[] ReadFailedList(DimseResponse response)
    {
        try
        {
            var identifier = DimseDataSet.Decode(response.DataSet, DicomTransferSyntax.Lookup(response.TransferSyntaxUid));
            return identifier?.GetStrings(DicomTag.FailedSOPInstanceUIDList).Where(uid => uid.Length > 0).ToArray() ?? [];
        }
        catch (DicomFormatException)
        {
            // The list is informative; a malformed identifier does not turn the outcome into an error.
            return [];
        }
    }
}
