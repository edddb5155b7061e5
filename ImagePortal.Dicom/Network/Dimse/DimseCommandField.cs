namespace ImagePortal.Dicom.Network.Dimse;

/// <summary>PS3.7 E.1: command field (0000,0100) values of the DIMSE-C services.</summary>
public enum DimseCommandField : ushort
{
    CStoreRequest = 0x0001,
    CStoreResponse = 0x8001,
    CGetRequest = 0x0010,
    CGetResponse = 0x8010,
    CFindRequest = 0x0020,
    CFindResponse = 0x8020,
    CMoveRequest = 0x0021,
    CMoveResponse = 0x8021,
    CEchoRequest = 0x0030,
    CEchoResponse = 0x8030,
    CCancelRequest = 0x0FFF,
}

/// <summary>PS3.7 9.1.1.1 / 9.3.1.1: (0000,0700) priority.</summary>
public enum DimsePriority : ushort
{
    Medium = 0,
    High = 1,
    Low = 2,
}

/// <summary>PS3.7 E.1: element numbers of the group-0000 command elements this library uses.</summary>
public static class CommandElement
{
    public const ushort GroupLength = 0x0000;
    public const ushort AffectedSopClassUid = 0x0002;
    public const ushort RequestedSopClassUid = 0x0003;
    public const ushort CommandField = 0x0100;
    public const ushort MessageId = 0x0110;
    public const ushort MessageIdBeingRespondedTo = 0x0120;
    public const ushort MoveDestination = 0x0600;
    public const ushort Priority = 0x0700;
    public const ushort CommandDataSetType = 0x0800;
    public const ushort Status = 0x0900;
    public const ushort OffendingElement = 0x0901;
    public const ushort ErrorComment = 0x0902;
    public const ushort ErrorId = 0x0903;
    public const ushort AffectedSopInstanceUid = 0x1000;
    public const ushort RequestedSopInstanceUid = 0x1001;
    public const ushort NumberOfRemainingSuboperations = 0x1020;
    public const ushort NumberOfCompletedSuboperations = 0x1021;
    public const ushort NumberOfFailedSuboperations = 0x1022;
    public const ushort NumberOfWarningSuboperations = 0x1023;
    public const ushort MoveOriginatorApplicationEntityTitle = 0x1030;
    public const ushort MoveOriginatorMessageId = 0x1031;
}
