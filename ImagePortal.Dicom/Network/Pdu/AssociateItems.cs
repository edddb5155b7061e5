namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>The item layout shared by all A-ASSOCIATE items (PS3.8 9.3.2.1): type, reserved, 16-bit length, value.</summary>
internal static class AssociateItems
{
    public const byte ApplicationContextItemType = 0x10;

    public static ReadOnlySpan<byte> ReadItem(ref PduSpanReader reader, out byte type)
    {
        type = reader.ReadByte("Item-type");
        reader.Skip(1, "Item reserved byte");
        var length = reader.ReadUInt16("Item-length");
        return reader.ReadBytes(length, $"Item 0x{type:X2}");
    }
}
