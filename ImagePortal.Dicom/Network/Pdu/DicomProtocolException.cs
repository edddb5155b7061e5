namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>
/// The peer sent something the upper layer protocol does not allow (PS3.8 9.3). The association that
/// saw it is aborted with <see cref="AbortReason"/>; the exception never escapes as a crash of the host.
/// </summary>
public sealed class DicomProtocolException : Exception
{
    public DicomProtocolException(string message, AbortReason reason = AbortReason.InvalidPduParameterValue)
        : base(message)
    {
        Reason = reason;
    }

    public AbortReason Reason { get; }
}
