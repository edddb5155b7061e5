using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Client;

/// <summary>A DIMSE response as the SCU sees it: the command and, for C-FIND, the identifier bytes.</summary>
public sealed record DimseResponse(DimseCommand Command, string TransferSyntaxUid, byte[]? DataSet)
{
    public DimseStatus Status => Command.Status;

    public string? ErrorComment => Command.ErrorComment;
}
