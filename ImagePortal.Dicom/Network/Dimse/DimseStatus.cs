namespace ImagePortal.Dicom.Network.Dimse;

/// <summary>PS3.7 C: the status class a status code belongs to.</summary>
public enum DimseStatusClass
{
    Success,
    Pending,
    Cancel,
    Warning,
    Failure,
}

/// <summary>A DIMSE status (0000,0900) and its class (PS3.7 Annex C, PS3.4 C.4 for query/retrieve).</summary>
public readonly record struct DimseStatus(ushort Code)
{
    public static readonly DimseStatus Success = new(0x0000);
    public static readonly DimseStatus Pending = new(0xFF00);

    /// <summary>PS3.4 C.4.1.1.4: pending, with one or more optional keys not supported.</summary>
    public static readonly DimseStatus PendingWithWarnings = new(0xFF01);
    public static readonly DimseStatus Cancel = new(0xFE00);

    /// <summary>PS3.4 C.4.2.1.5: sub-operations complete, one or more failures or warnings.</summary>
    public static readonly DimseStatus SubOperationsCompleteWithFailures = new(0xB000);
    public static readonly DimseStatus RefusedOutOfResources = new(0xA700);

    /// <summary>PS3.4 C.4.2.1.5: out of resources, unable to calculate number of matches.</summary>
    public static readonly DimseStatus RetrieveOutOfResourcesMatches = new(0xA701);

    /// <summary>PS3.4 C.4.2.1.5: out of resources, unable to perform sub-operations.</summary>
    public static readonly DimseStatus RetrieveOutOfResourcesSubOperations = new(0xA702);
    public static readonly DimseStatus MoveDestinationUnknown = new(0xA801);
    public static readonly DimseStatus IdentifierDoesNotMatchSopClass = new(0xA900);
    public static readonly DimseStatus UnableToProcess = new(0xC000);
    public static readonly DimseStatus SopClassNotSupported = new(0x0122);
    public static readonly DimseStatus NotAuthorized = new(0x0124);
    public static readonly DimseStatus ProcessingFailure = new(0x0110);
    public static readonly DimseStatus DuplicateInvocation = new(0x0210);
    public static readonly DimseStatus UnrecognizedOperation = new(0x0211);

    public DimseStatusClass Class => Code switch
    {
        0x0000 => DimseStatusClass.Success,
        0xFF00 or 0xFF01 => DimseStatusClass.Pending,
        0xFE00 => DimseStatusClass.Cancel,
        // PS3.7 C.3 (0001, 0107, 0116) and PS3.4 Bxxx.
        0x0001 or 0x0107 or 0x0116 => DimseStatusClass.Warning,
        _ when (Code & 0xF000) == 0xB000 => DimseStatusClass.Warning,
        _ => DimseStatusClass.Failure,
    };

    public bool IsPending => Class == DimseStatusClass.Pending;

    /// <summary>True for every status that ends a multi-response operation.</summary>
    public bool IsFinal => Class != DimseStatusClass.Pending;

    public bool IsSuccessOrWarning => Class is DimseStatusClass.Success or DimseStatusClass.Warning;

    public override string ToString() => $"0x{Code:X4} ({Class})";
}
