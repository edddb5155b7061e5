using System.Buffers.Binary;
using System.Text;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Dicom.Network.Dimse;

/// <summary>
/// A DIMSE command set (PS3.7 6.3, E.1): group 0000 only, always implicit VR little endian, elements in
/// ascending order and led by the (0000,0000) group length. This restricted encoding gets its own
/// compact codec rather than the general data set model: it has fifteen-odd elements of five VRs.
/// </summary>
public sealed class DimseCommand
{
    /// <summary>PS3.7 E.1: (0000,0800) value meaning "no data set follows"; any other value means one does.</summary>
    public const ushort NoDataSet = 0x0101;

    /// <summary>A command set larger than this is not a command set; refusing it bounds what a peer can make us buffer.</summary>
    public const int MaxEncodedLength = 64 * 1024;

    /// <summary>PS3.5 6.2: LO holds at most 64 characters.</summary>
    public const int MaxErrorCommentLength = 64;

    private const ushort FailedSopInstanceUidListGroup = 0x0008;
    private const ushort FailedSopInstanceUidListElement = 0x0058;

    private readonly SortedDictionary<ushort, byte[]> _elements = [];

    public DimseCommandField CommandField
    {
        get => (DimseCommandField)(GetUInt16(CommandElement.CommandField) ?? throw new DicomProtocolException("The command set has no Command Field (0000,0100) (PS3.7 E.1)."));
        set => SetUInt16(CommandElement.CommandField, (ushort)value);
    }

    public ushort MessageId
    {
        get => GetUInt16(CommandElement.MessageId) ?? 0;
        set => SetUInt16(CommandElement.MessageId, value);
    }

    public ushort MessageIdBeingRespondedTo
    {
        get => GetUInt16(CommandElement.MessageIdBeingRespondedTo) ?? 0;
        set => SetUInt16(CommandElement.MessageIdBeingRespondedTo, value);
    }

    public bool HasDataSet
    {
        get => GetUInt16(CommandElement.CommandDataSetType) is { } type && type != NoDataSet;
        set => SetUInt16(CommandElement.CommandDataSetType, value ? (ushort)0x0000 : NoDataSet);
    }

    public string? AffectedSopClassUid
    {
        get => GetString(CommandElement.AffectedSopClassUid);
        set => SetUid(CommandElement.AffectedSopClassUid, value);
    }

    public string? AffectedSopInstanceUid
    {
        get => GetString(CommandElement.AffectedSopInstanceUid);
        set => SetUid(CommandElement.AffectedSopInstanceUid, value);
    }

    public DimseStatus Status
    {
        get => new(GetUInt16(CommandElement.Status) ?? throw new DicomProtocolException("The response has no Status (0000,0900) (PS3.7 9.3)."));
        set => SetUInt16(CommandElement.Status, value.Code);
    }

    public DimsePriority Priority
    {
        get => (DimsePriority)(GetUInt16(CommandElement.Priority) ?? 0);
        set => SetUInt16(CommandElement.Priority, (ushort)value);
    }

    /// <summary>(0000,0902) LO: truncated to 64 characters (PS3.5 6.2) and to ASCII, the default repertoire.</summary>
    public string? ErrorComment
    {
        get => GetString(CommandElement.ErrorComment);
        set
        {
            if (value is null)
            {
                Remove(CommandElement.ErrorComment);
                return;
            }

            var clean = new string(value.Select(c => c is >= ' ' and <= '~' && c != '\\' ? c : '?').ToArray());
            SetText(CommandElement.ErrorComment, clean.Length > MaxErrorCommentLength ? clean[..MaxErrorCommentLength] : clean, (byte)' ');
        }
    }

    public string? MoveDestination
    {
        get => GetString(CommandElement.MoveDestination);
        set => SetText(CommandElement.MoveDestination, value, (byte)' ');
    }

    public ushort? RemainingSuboperations
    {
        get => GetUInt16(CommandElement.NumberOfRemainingSuboperations);
        set => SetOptionalUInt16(CommandElement.NumberOfRemainingSuboperations, value);
    }

    public ushort? CompletedSuboperations
    {
        get => GetUInt16(CommandElement.NumberOfCompletedSuboperations);
        set => SetOptionalUInt16(CommandElement.NumberOfCompletedSuboperations, value);
    }

    public ushort? FailedSuboperations
    {
        get => GetUInt16(CommandElement.NumberOfFailedSuboperations);
        set => SetOptionalUInt16(CommandElement.NumberOfFailedSuboperations, value);
    }

    public ushort? WarningSuboperations
    {
        get => GetUInt16(CommandElement.NumberOfWarningSuboperations);
        set => SetOptionalUInt16(CommandElement.NumberOfWarningSuboperations, value);
    }

    public string? MoveOriginatorAeTitle
    {
        get => GetString(CommandElement.MoveOriginatorApplicationEntityTitle);
        set => SetText(CommandElement.MoveOriginatorApplicationEntityTitle, value, (byte)' ');
    }

    public ushort? MoveOriginatorMessageId
    {
        get => GetUInt16(CommandElement.MoveOriginatorMessageId);
        set => SetOptionalUInt16(CommandElement.MoveOriginatorMessageId, value);
    }

    /// <summary>
    /// The Failed SOP Instance UID List (0008,0058) when a peer put it into the command set of a C-GET or
    /// C-MOVE response (Orthanc 1.10 sends it there as DCMTK status detail) rather than into the identifier
    /// (PS3.4 C.4.2.1.3.1, C.4.3.1.3.1). Read from received command sets only; never encoded.
    /// </summary>
    public IReadOnlyList<string> FailedSopInstanceUids { get; private set; } = [];

    public bool IsRequest => ((ushort)CommandField & 0x8000) == 0;

    public ushort? GetUInt16(ushort element) =>
        _elements.TryGetValue(element, out var value) && value.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(value) : null;

    public string? GetString(ushort element) =>
        _elements.TryGetValue(element, out var value) ? Encoding.ASCII.GetString(value).TrimEnd('\0', ' ') : null;

    public void SetUInt16(ushort element, ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        _elements[element] = bytes;
    }

    public void Remove(ushort element) => _elements.Remove(element);

    /// <summary>Encodes the command set (PS3.7 6.3.1), group length first.</summary>
    public byte[] Encode()
    {
        var bodyLength = _elements.Where(e => e.Key != CommandElement.GroupLength).Sum(e => 8 + e.Value.Length);
        var bytes = new byte[12 + bodyLength];
        var span = bytes.AsSpan();
        WriteHeader(span, CommandElement.GroupLength, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)bodyLength);
        var offset = 12;
        foreach (var (element, value) in _elements)
        {
            if (element == CommandElement.GroupLength)
            {
                continue;
            }

            WriteHeader(span[offset..], element, value.Length);
            value.CopyTo(span[(offset + 8)..]);
            offset += 8 + value.Length;
        }

        return bytes;
    }

    /// <summary>
    /// Decodes a command set, refusing element headers cut short and lengths beyond the bytes that remain.
    /// Elements outside group 0000 are skipped, except the Failed SOP Instance UID List.
    /// </summary>
    public static DimseCommand Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxEncodedLength)
        {
            throw new DicomProtocolException($"A command set of {bytes.Length} bytes exceeds {MaxEncodedLength} (PS3.7 6.3.1).");
        }

        var command = new DimseCommand();
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 8)
            {
                throw new DicomProtocolException($"The command set ends inside an element header at offset {offset}.");
            }

            var group = BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]);
            var element = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(offset + 2)..]);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + 4)..]);
            if (length > (uint)(bytes.Length - offset - 8))
            {
                throw new DicomProtocolException($"Command element ({group:X4},{element:X4}) declares {length} bytes but {bytes.Length - offset - 8} remain.");
            }

            var value = bytes.Slice(offset + 8, (int)length);
            offset += 8 + (int)length;

            // PS3.7 6.3.1 allows group 0000 only, but DCMTK-based peers (Orthanc 1.10) send status detail
            // elements of other groups in a response's command set, and DCMTK reads past them: so do we.
            if (group == 0x0000)
            {
                command._elements[element] = value.ToArray();
            }
            else if (group == FailedSopInstanceUidListGroup && element == FailedSopInstanceUidListElement)
            {
                command.FailedSopInstanceUids = SplitUids(value);
            }
        }

        _ = command.CommandField;
        return command;
    }

    public override string ToString() =>
        $"{CommandField} id={(IsRequest ? MessageId : MessageIdBeingRespondedTo)}" + (IsRequest ? string.Empty : $" status={Status}");

    /// <summary>PS3.5 6.2: UI with value multiplicity, backslash-separated, NUL- or space-padded.</summary>
    private static string[] SplitUids(ReadOnlySpan<byte> value) =>
        Encoding.ASCII.GetString(value).Split('\\').Select(uid => uid.Trim('\0', ' ')).Where(uid => uid.Length > 0).ToArray();

    private void SetOptionalUInt16(ushort element, ushort? value)
    {
        if (value is { } v)
        {
            SetUInt16(element, v);
        }
        else
        {
            Remove(element);
        }
    }

    private void SetUid(ushort element, string? value) => SetText(element, value, 0);

    /// <summary>PS3.5 6.2 / 7.1.1: values have even length; UI pads with NUL, text VRs with a space.</summary>
    private void SetText(ushort element, string? value, byte padding)
    {
        if (value is null)
        {
            Remove(element);
            return;
        }

        var count = Encoding.ASCII.GetByteCount(value);
        var bytes = new byte[count + (count & 1)];
        Encoding.ASCII.GetBytes(value, bytes);
        if ((count & 1) == 1)
        {
            bytes[^1] = padding;
        }

        _elements[element] = bytes;
    }

    private static void WriteHeader(Span<byte> span, ushort element, int length)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span, 0x0000);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], element);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)length);
    }
}
