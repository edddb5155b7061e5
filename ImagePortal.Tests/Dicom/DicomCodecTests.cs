using ImagePortal.Dicom.Data;

namespace ImagePortal.Tests.Dicom;

public sealed class DicomCodecTests
{
    [Fact]
    public void ExplicitVRLittleEndian_ShortAndLongHeaders_MatchPs35Section712()
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.PatientID, "ABC");
        dataset.SetBytes(DicomTag.PixelData, DicomVR.OW, new byte[] { 1, 2 });

        var bytes = Write(dataset, DicomTransferSyntax.ExplicitVRLittleEndian);

        // PS3.5 §7.1.2, Table 7.1-2: tag, VR, 16-bit length; "ABC" padded with a space to even length (§6.2).
        // Table 7.1-1: OW has two reserved bytes and a 32-bit length.
        byte[] expected =
        [
            0x10, 0x00, 0x20, 0x00, (byte)'L', (byte)'O', 0x04, 0x00, (byte)'A', (byte)'B', (byte)'C', (byte)' ',
            0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'W', 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x02,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void ImplicitVRLittleEndian_UndefinedLengthSequence_MatchesPs35Section752()
    {
        var dataset = new DicomDataset();
        var item = new DicomDataset();
        item.SetString(DicomTag.PatientID, "X1");
        dataset.SetSequence(DicomTag.OtherPatientIDsSequence, item);

        var bytes = Write(dataset, DicomTransferSyntax.ImplicitVRLittleEndian);

        // PS3.5 §7.1.3 (implicit: tag and 32-bit length) and §7.5.2 Table 7.5-3 (undefined lengths with delimiters).
        byte[] expected =
        [
            0x10, 0x00, 0x02, 0x10, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF,
            0x10, 0x00, 0x20, 0x00, 0x02, 0x00, 0x00, 0x00, (byte)'X', (byte)'1',
            0xFE, 0xFF, 0x0D, 0xE0, 0x00, 0x00, 0x00, 0x00,
            0xFE, 0xFF, 0xDD, 0xE0, 0x00, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(expected, bytes);
        var read = DicomReader.ReadDataset(new MemoryStream(bytes), DicomTransferSyntax.ImplicitVRLittleEndian);
        Assert.Equal("X1", read.GetSequence(DicomTag.OtherPatientIDsSequence)!.Items[0].GetString(DicomTag.PatientID));
    }

    [Fact]
    public void DefinedLengthSequence_IsRewrittenWithRecomputedLengths()
    {
        var dataset = new DicomDataset();
        var item = new DicomDataset { UndefinedItemLength = false };
        item.SetString(DicomTag.PatientID, "X1");
        dataset.SetSequence(DicomTag.OtherPatientIDsSequence, item).UndefinedLength = false;

        var bytes = Write(dataset, DicomTransferSyntax.ExplicitVRLittleEndian);

        byte[] expected =
        [
            0x10, 0x00, 0x02, 0x10, (byte)'S', (byte)'Q', 0x00, 0x00, 0x12, 0x00, 0x00, 0x00,
            0xFE, 0xFF, 0x00, 0xE0, 0x0A, 0x00, 0x00, 0x00,
            0x10, 0x00, 0x20, 0x00, (byte)'L', (byte)'O', 0x02, 0x00, (byte)'X', (byte)'1',
        ];
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2")]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.1.99")]
    public void Part10File_RoundTripsInEachWritableTransferSyntax(string uid)
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SOPClassUID, DicomUid.SecondaryCaptureImageStorage);
        dataset.SetString(DicomTag.SOPInstanceUID, "1.2.3.4");
        dataset.SetString(DicomTag.PatientName, "Doe^John");
        dataset.SetUInt16(DicomTag.Rows, 2);
        dataset.SetValues(DicomTag.PixelData, DicomVR.OW, new ushort[] { 1, 2, 3, 4 });
        var file = DicomFile.Create(dataset, DicomTransferSyntax.Lookup(uid));
        var stream = new MemoryStream();

        file.Write(stream);
        stream.Position = 0;
        var read = DicomFile.Read(stream);

        Assert.Equal(uid, read.TransferSyntax.Uid);
        Assert.Equal("Doe^John", read.Dataset.GetString(DicomTag.PatientName));
        Assert.Equal((ushort)2, read.Dataset.GetUInt16(DicomTag.Rows));
        Assert.Equal(new ushort[] { 1, 2, 3, 4 }, read.Dataset.GetValues<ushort>(DicomTag.PixelData));
        Assert.Equal(stream.ToArray().AsSpan(128, 4).ToArray(), "DICM"u8.ToArray());
    }

    [Fact]
    public void ExplicitVR_ValueTooLongForA16BitLength_IsWrittenAsUN()
    {
        var dataset = new DicomDataset();
        dataset.SetBytes(DicomTag.ImageComments, DicomVR.LT, new byte[70000]);

        var bytes = Write(dataset, DicomTransferSyntax.ExplicitVRLittleEndian);

        // PS3.5 §6.2.2: a value that does not fit the 16-bit length of its VR is encoded as UN (32-bit length).
        Assert.Equal(new byte[] { 0x20, 0x00, 0x00, 0x40, (byte)'U', (byte)'N', 0, 0, 0x70, 0x11, 0x01, 0x00 }, bytes[..12]);
        Assert.Equal(12 + 70000, bytes.Length);
    }

    [Fact]
    public void CommandSet_GetsItsGroupLengthComputed()
    {
        // A C-ECHO-RQ as PS3.7 §9.3.5 defines it, implicit VR little endian (PS3.7 §6.3.1).
        var command = new DicomDataset();
        command.SetUInt32(DicomTag.CommandGroupLength, 0);
        command.SetString(DicomTag.AffectedSOPClassUID, DicomUid.Verification);
        command.SetUInt16(DicomTag.CommandField, 0x0030);
        command.SetUInt16(DicomTag.MessageID, 1);
        command.SetUInt16(DicomTag.CommandDataSetType, 0x0101);

        var bytes = Write(command, DicomTransferSyntax.ImplicitVRLittleEndian);

        // UID "1.2.840.10008.1.1" is 17 characters, padded with NUL to 18: 8+18 + 3 × (8+2) = 56.
        Assert.Equal(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 56, 0, 0, 0 }, bytes[..12]);
        Assert.Equal(12 + 56, bytes.Length);
        Assert.Equal(0, bytes[12 + 8 + 17]);
        var options = new DicomWriterOptions { KeepGroupLengths = false };
        var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, command, DicomTransferSyntax.ImplicitVRLittleEndian, options);
        Assert.Equal(bytes, stream.ToArray());
    }

    internal static byte[] Write(DicomDataset dataset, DicomTransferSyntax syntax)
    {
        var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, dataset, syntax);
        return stream.ToArray();
    }
}
