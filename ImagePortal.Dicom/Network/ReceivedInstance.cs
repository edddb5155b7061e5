using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network;

/// <summary>
/// An instance arriving by C-STORE (to our SCP, or as a C-GET sub-operation to our SCU). The data set
/// is a stream straight off the association, in <see cref="TransferSyntaxUid"/>; read it once, to its end.
/// The UIDs come from the peer and are hostile: never use them to build a path.
/// </summary>
public sealed record ReceivedInstance(
    string SopClassUid,
    string SopInstanceUid,
    string TransferSyntaxUid,
    string CallingAeTitle,
    string CalledAeTitle,
    Stream DataSet)
{
    public Part10Header Header => new(SopClassUid, SopInstanceUid, TransferSyntaxUid);
}
