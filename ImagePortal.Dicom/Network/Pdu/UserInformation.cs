namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>PS3.7 D.3.3.4: SCP/SCU role selection for one SOP class (sub-item 0x54).</summary>
public sealed record RoleSelection(string SopClassUid, bool ScuRole, bool ScpRole);

/// <summary>PS3.7 D.3.3.3: asynchronous operations window (sub-item 0x53); 0 means unlimited.</summary>
public sealed record AsyncOperationsWindow(ushort MaxInvoked, ushort MaxPerformed);

/// <summary>PS3.8 9.3.2.3 and PS3.7 Annex D: the user information item (0x50) and its sub-items.</summary>
public sealed class UserInformation
{
    internal const byte ItemType = 0x50;
    private const byte MaxLengthType = 0x51;
    private const byte ImplementationClassUidType = 0x52;
    private const byte AsyncWindowType = 0x53;
    private const byte RoleSelectionType = 0x54;
    private const byte ImplementationVersionNameType = 0x55;

    /// <summary>PS3.8 D.1: the largest P-DATA-TF variable field the sender will receive; 0 = no limit.</summary>
    public uint MaxPduLength { get; init; }

    public string ImplementationClassUid { get; init; } = DicomNetworkUids.ImplementationClassUid;

    public string? ImplementationVersionName { get; init; } = DicomNetworkUids.ImplementationVersionName;

    public AsyncOperationsWindow? AsyncOperationsWindow { get; init; }

    public IReadOnlyList<RoleSelection> RoleSelections { get; init; } = [];

    internal void Write(PduWriter writer)
    {
        writer.WriteByte(ItemType);
        writer.WriteByte(0);
        var at = writer.BeginLength16();

        writer.WriteByte(MaxLengthType);
        writer.WriteByte(0);
        writer.WriteUInt16(4);
        writer.WriteUInt32(MaxPduLength);

        writer.WriteTextItem(ImplementationClassUidType, ImplementationClassUid);

        if (AsyncOperationsWindow is { } window)
        {
            writer.WriteByte(AsyncWindowType);
            writer.WriteByte(0);
            writer.WriteUInt16(4);
            writer.WriteUInt16(window.MaxInvoked);
            writer.WriteUInt16(window.MaxPerformed);
        }

        foreach (var role in RoleSelections)
        {
            writer.WriteByte(RoleSelectionType);
            writer.WriteByte(0);
            var roleAt = writer.BeginLength16();
            var uidAt = writer.BeginLength16();
            writer.WriteAscii(role.SopClassUid);
            writer.EndLength16(uidAt);
            writer.WriteByte(role.ScuRole ? (byte)1 : (byte)0);
            writer.WriteByte(role.ScpRole ? (byte)1 : (byte)0);
            writer.EndLength16(roleAt);
        }

        if (!string.IsNullOrEmpty(ImplementationVersionName))
        {
            writer.WriteTextItem(ImplementationVersionNameType, ImplementationVersionName);
        }

        writer.EndLength16(at);
    }

    internal static UserInformation Read(ReadOnlySpan<byte> value)
    {
        var reader = new PduSpanReader(value);
        uint? maxLength = null;
        string? classUid = null;
        string? versionName = null;
        AsyncOperationsWindow? window = null;
        var roles = new List<RoleSelection>();
        while (reader.Remaining > 0)
        {
            var content = AssociateItems.ReadItem(ref reader, out var type);
            var sub = new PduSpanReader(content);
            switch (type)
            {
                case MaxLengthType:
                    maxLength = sub.ReadUInt32("Maximum-length-received");
                    break;
                case ImplementationClassUidType:
                    classUid = PduSpanReader.DecodeText(content);
                    break;
                case AsyncWindowType:
                    window = new AsyncOperationsWindow(
                        sub.ReadUInt16("Maximum-number-operations-invoked"),
                        sub.ReadUInt16("Maximum-number-operations-performed"));
                    break;
                case RoleSelectionType:
                    var uidLength = sub.ReadUInt16("UID-length");
                    var uid = PduSpanReader.DecodeText(sub.ReadBytes(uidLength, "SOP-class-uid"));
                    var scu = sub.ReadByte("SCU-role");
                    var scp = sub.ReadByte("SCP-role");
                    roles.Add(new RoleSelection(uid, scu == 1, scp == 1));
                    break;
                case ImplementationVersionNameType:
                    versionName = PduSpanReader.DecodeText(content);
                    break;
                default:
                    // PS3.7 D.3.3: extended negotiation, user identity and unknown sub-items are
                    // skipped; we never propose them, so we never need to answer them.
                    break;
            }
        }

        return new UserInformation
        {
            // PS3.8 D.1 makes the sub-item mandatory; a peer that omits it is treated as unlimited,
            // as DCMTK and pynetdicom do, rather than refused.
            MaxPduLength = maxLength ?? 0,
            ImplementationClassUid = classUid ?? string.Empty,
            ImplementationVersionName = versionName,
            AsyncOperationsWindow = window,
            RoleSelections = roles,
        };
    }
}
