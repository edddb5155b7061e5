using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Dicom.Network.Association;

/// <summary>The association ended abnormally: aborted by either side, connection lost, or timed out.</summary>
public class DicomAssociationException : Exception
{
    public DicomAssociationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The peer answered A-ASSOCIATE-RQ with A-ASSOCIATE-RJ (PS3.8 9.3.4).</summary>
public sealed class DicomAssociationRejectedException : DicomAssociationException
{
    public DicomAssociationRejectedException(AssociateReject reject)
        : base($"Association rejected: {Describe(reject)}.")
    {
        Reject = reject;
    }

    public AssociateReject Reject { get; }

    private static string Describe(AssociateReject reject) => (reject.Source, reject.Reason) switch
    {
        (RejectSource.ServiceUser, 3) => $"{reject.Result}, calling AE title not recognized",
        (RejectSource.ServiceUser, 7) => $"{reject.Result}, called AE title not recognized",
        (RejectSource.ServiceUser, 2) => $"{reject.Result}, application context name not supported",
        (RejectSource.ServiceProviderPresentation, 1) => $"{reject.Result}, temporary congestion",
        (RejectSource.ServiceProviderPresentation, 2) => $"{reject.Result}, local limit exceeded",
        (RejectSource.ServiceProviderAcse, 2) => $"{reject.Result}, protocol version not supported",
        _ => $"{reject.Result}, source {reject.Source}, reason {reject.Reason}",
    };
}

/// <summary>An A-ABORT arrived from the peer (PS3.8 9.3.8), or the transport closed without a release.</summary>
public sealed class DicomAssociationAbortedException : DicomAssociationException
{
    public DicomAssociationAbortedException(string message, AbortPdu? abort = null, Exception? inner = null)
        : base(message, inner)
    {
        Abort = abort;
    }

    public AbortPdu? Abort { get; }
}

/// <summary>A timeout expired (connect, ARTIM, response or idle); the association was aborted and cannot be reused.</summary>
public sealed class DicomAssociationTimeoutException : DicomAssociationException
{
    public DicomAssociationTimeoutException(string message)
        : base(message)
    {
    }
}
