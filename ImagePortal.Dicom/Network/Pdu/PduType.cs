namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>PS3.8 9.3.1: the seven PDU types.</summary>
public enum PduType : byte
{
    AssociateRequest = 0x01,
    AssociateAccept = 0x02,
    AssociateReject = 0x03,
    DataTransfer = 0x04,
    ReleaseRequest = 0x05,
    ReleaseResponse = 0x06,
    Abort = 0x07,
}

/// <summary>PS3.8 9.3.8: A-ABORT source.</summary>
public enum AbortSource : byte
{
    ServiceUser = 0,
    Reserved = 1,
    ServiceProvider = 2,
}

/// <summary>PS3.8 9.3.8: A-ABORT reason/diag (significant only when the source is the provider).</summary>
public enum AbortReason : byte
{
    NotSpecified = 0,
    UnrecognizedPdu = 1,
    UnexpectedPdu = 2,
    Reserved = 3,
    UnrecognizedPduParameter = 4,
    UnexpectedPduParameter = 5,
    InvalidPduParameterValue = 6,
}

/// <summary>PS3.8 9.3.4: A-ASSOCIATE-RJ result.</summary>
public enum RejectResult : byte
{
    Permanent = 1,
    Transient = 2,
}

/// <summary>PS3.8 9.3.4: A-ASSOCIATE-RJ source.</summary>
public enum RejectSource : byte
{
    ServiceUser = 1,
    ServiceProviderAcse = 2,
    ServiceProviderPresentation = 3,
}

/// <summary>
/// PS3.8 9.3.4: A-ASSOCIATE-RJ reason/diag. The numeric values overlap between sources; the names
/// below are those of the service-user source (1) unless prefixed.
/// </summary>
public enum RejectReason : byte
{
    NoReasonGiven = 1,
    ApplicationContextNameNotSupported = 2,
    CallingAeTitleNotRecognized = 3,
    CalledAeTitleNotRecognized = 7,

    /// <summary>With source 2 (ACSE) value 2 means protocol version not supported.</summary>
    AcseProtocolVersionNotSupported = 2,

    /// <summary>With source 3 (presentation) value 1 means temporary congestion.</summary>
    PresentationTemporaryCongestion = 1,

    /// <summary>With source 3 (presentation) value 2 means local limit exceeded.</summary>
    PresentationLocalLimitExceeded = 2,
}

/// <summary>PS3.8 9.3.3.2: result of one presentation context in the A-ASSOCIATE-AC.</summary>
public enum PresentationContextResult : byte
{
    Acceptance = 0,
    UserRejection = 1,
    NoReason = 2,
    AbstractSyntaxNotSupported = 3,
    TransferSyntaxesNotSupported = 4,
}
