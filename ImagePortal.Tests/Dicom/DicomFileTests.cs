using ImagePortal.Dicom.Data;

namespace ImagePortal.Tests.Dicom;

public sealed class DicomFileTests
{
    [Fact]
    public void LargeValues_StayInTheFileUntilUsed()
    {
        var path = DicomCorpus.Require("test_files/CT_small.dcm");

        var file = DicomFile.Open(path, new DicomReaderOptions { LargeValueThreshold = 1024 });

        var pixels = Assert.IsType<DicomElement>(file.Dataset[DicomTag.PixelData]);
        Assert.False(pixels.Buffer.IsLoaded);
        Assert.Equal(128 * 128 * 2, pixels.Buffer.GetBytes().Length);
        var copy = new MemoryStream();
        file.Write(copy);
        Assert.Equal(File.ReadAllBytes(path), copy.ToArray());
    }

    [Fact]
    public void StopAtTag_ReadsTheHeaderOnly()
    {
        var path = DicomCorpus.Require("test_files/CT_small.dcm");

        var file = DicomFile.Open(path, new DicomReaderOptions { StopAtTag = DicomTag.PixelData });

        Assert.False(file.Dataset.Contains(DicomTag.PixelData));
        Assert.Equal("1CT1", file.Dataset.GetString(DicomTag.PatientID));
        // The offset of the Pixel Data element: its tag (7FE0,0010) in little endian, VR OW, then its length.
        var bytes = File.ReadAllBytes(path);
        var offset = Assert.IsType<long>(file.StoppedAtOffset);
        Assert.Equal(new byte[] { 0xE0, 0x7F, 0x10, 0x00 }, bytes.AsSpan((int)offset, 4).ToArray());
        Assert.Equal(128u * 128 * 2, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)offset + 8)));
        Assert.Null(DicomFile.Open(path).StoppedAtOffset);
    }

    [Fact]
    public void BigEndianFile_HoldsTheSameDataAsItsLittleEndianTwin()
    {
        // pydicom's MR_small_bigendian.dcm is MR_small.dcm in explicit VR big endian (PS3.5 §A.3).
        var little = DicomFile.Open(DicomCorpus.Require("test_files/MR_small.dcm"));
        var big = DicomFile.Open(DicomCorpus.Require("test_files/MR_small_bigendian.dcm"));

        Assert.True(big.TransferSyntax.IsBigEndian);
        Assert.Equal(little.Dataset.GetValues<ushort>(DicomTag.PixelData), big.Dataset.GetValues<ushort>(DicomTag.PixelData));
        Assert.Equal(little.Dataset.GetUInt16(DicomTag.Rows), big.Dataset.GetUInt16(DicomTag.Rows));
        var written = new MemoryStream();
        big.Write(written);
        written.Position = 0;
        var again = DicomFile.Read(written);
        Assert.True(again.TransferSyntax.IsBigEndian);
        Assert.Equal(little.Dataset.GetValues<ushort>(DicomTag.PixelData), again.Dataset.GetValues<ushort>(DicomTag.PixelData));
    }

    [Fact]
    public void DeflatedFile_IsReadAndWrittenDeflated()
    {
        var file = DicomFile.Open(DicomCorpus.Require("test_files/image_dfl.dcm"));
        var stream = new MemoryStream();

        file.Write(stream);
        stream.Position = 0;
        var reread = DicomFile.Read(stream);

        Assert.Equal(DicomTransferSyntax.DeflatedExplicitVRLittleEndian, reread.TransferSyntax);
        Assert.Equal(file.Dataset.GetBytes(DicomTag.PixelData).ToArray(), reread.Dataset.GetBytes(DicomTag.PixelData).ToArray());
        Assert.True(stream.Length < file.Dataset.GetBytes(DicomTag.PixelData).Length);
    }

    [Fact]
    public void UNWithUndefinedLength_IsReadAsAnImplicitVRSequence()
    {
        // PS3.5 §6.2.2: an UN element of undefined length holds items encoded in implicit VR little endian.
        var file = DicomFile.Open(DicomCorpus.Require("test_files/UN_sequence.dcm"));

        var sequence = Assert.IsType<DicomSequence>(file.Dataset[new DicomTag(0x4453, 0x100C)]);
        var series = sequence.Items[0].GetSequence(DicomTag.ReferencedSeriesSequence)!;
        Assert.Equal("1.2.840.10008.5.1.4.1.1.2", series.Items[0].GetSequence(DicomTag.ReferencedSOPSequence)!.Items[0].GetUid(DicomTag.ReferencedSOPClassUID));
    }

    [Fact]
    public void EncapsulatedPixelData_KeepsOffsetTableAndFragments()
    {
        var file = DicomFile.Open(DicomCorpus.Require("test_files/SC_rgb_rle_2frame.dcm"));

        var pixels = Assert.IsType<DicomFragmentSequence>(file.Dataset[DicomTag.PixelData]);

        // PS3.5 §A.4: one RLE fragment per frame, the offset table one UL per frame.
        Assert.Equal(2, pixels.Fragments.Count);
        Assert.Equal(8, pixels.OffsetTable.Length);
        Assert.Equal(0u, BitConverter.ToUInt32(pixels.OffsetTable.GetBytes().Span));
    }

    [Fact]
    public void FileWithoutMetaInformation_IsRecognisedFromItsFirstElement()
    {
        var file = DicomFile.Open(DicomCorpus.Require("test_files/ExplVR_BigEndNoMeta.dcm"));

        Assert.Null(file.Preamble);
        Assert.Equal(DicomTransferSyntax.ExplicitVRBigEndian, file.TransferSyntax);
        Assert.NotNull(file.Dataset.GetUid(DicomTag.SOPInstanceUID));
    }

    [Fact]
    public void GroupLengths_AreRecomputedOrDroppedOnRequest()
    {
        var file = DicomFile.Open(DicomCorpus.Require("test_files/693_J2KI.dcm"));
        var kept = new MemoryStream();
        var dropped = new MemoryStream();

        file.Write(kept);
        file.Write(dropped, new DicomWriterOptions { KeepGroupLengths = false });
        kept.Position = 0;
        dropped.Position = 0;

        var recomputed = DicomFile.Read(kept).Dataset;
        var withoutGroup = recomputed.Clone();
        withoutGroup.RemoveAll(i => i.Tag.Group == 0x0008 && !i.Tag.IsGroupLength);
        var syntax = DicomTransferSyntax.ExplicitVRLittleEndian;
        var expected = DicomWriter.GetEncodedLength(recomputed, syntax) - DicomWriter.GetEncodedLength(withoutGroup, syntax);
        Assert.NotEqual(328u, (uint)expected);
        Assert.Equal((uint)expected, recomputed.GetUInt32(new DicomTag(0x0008, 0x0000)));
        Assert.DoesNotContain(DicomFile.Read(dropped).Dataset, i => i.Tag.IsGroupLength);
    }
}
