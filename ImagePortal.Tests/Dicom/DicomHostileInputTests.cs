using System.Buffers.Binary;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Tests.Dicom;

/// <summary>The crash classes of other toolkits (DICOM_NOTES.md): each ends in DicomFormatException or a correct read.</summary>
public sealed class DicomHostileInputTests
{
    [Fact]
    public void ThousandNestedSequences_AreRejectedWithoutExhaustingTheStack()
    {
        var bytes = new List<byte>();
        for (var i = 0; i < 1000; i++)
        {
            bytes.AddRange(Element(0x0008, 0x1115, 0xFFFFFFFF));
            bytes.AddRange(Element(0xFFFE, 0xE000, 0xFFFFFFFF));
        }

        var error = Assert.Throws<DicomFormatException>(() => ReadImplicit(bytes.ToArray()));

        Assert.Contains("nested deeper than 64", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SequenceOfExplicitLengthZero_IsEmptyAndReadingGoesOn()
    {
        // fo-dicom #1009 looped on this. PS3.5 §7.5.1: a sequence of length 0 has no items.
        byte[] bytes = [.. Element(0x0008, 0x1115, 0), .. Element(0x0010, 0x0020, 2), (byte)'A', (byte)'B'];

        var dataset = ReadImplicit(bytes);

        Assert.Empty(dataset.GetSequence(DicomTag.ReferencedSeriesSequence)!.Items);
        Assert.Equal("AB", dataset.GetString(DicomTag.PatientID));
    }

    [Theory]
    [InlineData(100u)]
    [InlineData(0xFFFFFFFEu)]
    [InlineData(0x7FFFFFFFu)]
    public void ValueLongerThanTheData_IsRejectedBeforeAllocating(uint length)
    {
        byte[] bytes = [.. Element(0x0010, 0x0020, length), (byte)'A', (byte)'B'];

        var error = Assert.Throws<DicomFormatException>(() => ReadImplicit(bytes));

        Assert.Equal(0, error.Offset % 8);
        Assert.Contains("bytes left", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NearFourGigabyteLength_OnANonSeekableStream_FailsWithoutAllocatingIt()
    {
        byte[] bytes = [.. Element(0x7FE0, 0x0010, 0xFFFFFFF0), 1, 2, 3, 4];
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<DicomFormatException>(() =>
            DicomReader.ReadDataset(new NonSeekableStream(bytes), DicomTransferSyntax.ImplicitVRLittleEndian));

        // Chunks are allocated only as data arrives: far below the claimed 4 GB.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void OddLength_IsReadAsIs()
    {
        byte[] bytes = [.. Element(0x0010, 0x0020, 3), (byte)'A', (byte)'B', (byte)'C'];

        var dataset = ReadImplicit(bytes);

        Assert.Equal("ABC", dataset.GetString(DicomTag.PatientID));
    }

    [Fact]
    public void GroupLengthEncodedAsUN_IsReadAndRewrittenAsUL()
    {
        // Explicit VR: (0008,0000) UN with 4 bytes, then (0008,0060) CS "CT".
        byte[] bytes =
        [
            0x08, 0x00, 0x00, 0x00, (byte)'U', (byte)'N', 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
            0x08, 0x00, 0x60, 0x00, (byte)'C', (byte)'S', 2, 0, (byte)'C', (byte)'T',
        ];

        var dataset = DicomReader.ReadDataset(new MemoryStream(bytes), DicomTransferSyntax.ExplicitVRLittleEndian);
        var written = DicomCodecTests.Write(dataset, DicomTransferSyntax.ExplicitVRLittleEndian);

        // PS3.5 §7.2: recomputed as UL over the rest of the group (10 bytes).
        Assert.Equal(new byte[] { 0x08, 0x00, 0x00, 0x00, (byte)'U', (byte)'L', 4, 0, 10, 0, 0, 0 }, written[..12]);
    }

    [Fact]
    public void InvalidVRBytes_AreRejectedWithTheirOffset()
    {
        byte[] bytes =
        [
            0x08, 0x00, 0x60, 0x00, (byte)'C', (byte)'S', 2, 0, (byte)'C', (byte)'T',
            0x10, 0x00, 0x10, 0x00, (byte)'Z', (byte)'Z', 2, 0, (byte)'A', (byte)'B',
        ];

        var error = Assert.Throws<DicomFormatException>(() =>
            DicomReader.ReadDataset(new MemoryStream(bytes), DicomTransferSyntax.ExplicitVRLittleEndian));

        Assert.Equal(14, error.Offset);
        Assert.Contains("invalid VR", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ItemLengthOverflowingItsSequence_IsRejected()
    {
        // An item claiming 0xFFFFFFF0 bytes inside a sequence of 16: offset arithmetic is 64-bit and checked.
        byte[] bytes = [.. Element(0x0008, 0x1115, 16), .. Element(0xFFFE, 0xE000, 0xFFFFFFF0), .. Element(0x0010, 0x0020, 0)];

        Assert.Throws<DicomFormatException>(() => ReadImplicit([.. bytes, .. Element(0x0010, 0x0030, 8)]));
    }

    [Fact]
    public void TruncatedInsideAValue_IsRejected()
    {
        byte[] bytes = [.. Element(0x0010, 0x0020, 4), (byte)'A'];

        var error = Assert.Throws<DicomFormatException>(() => DicomReader.ReadDataset(new NonSeekableStream(bytes), DicomTransferSyntax.ImplicitVRLittleEndian));

        Assert.Equal(8, error.Offset);
    }

    [Fact]
    public void UndefinedLengthOnAPlainVR_IsRejected()
    {
        byte[] bytes = [0x10, 0x00, 0x20, 0x00, (byte)'L', (byte)'O', 0xFF, 0xFF];

        // A 16-bit length cannot be undefined; 0xFFFF bytes are simply not there.
        Assert.Throws<DicomFormatException>(() => DicomReader.ReadDataset(new MemoryStream(bytes), DicomTransferSyntax.ExplicitVRLittleEndian));
    }

    [Fact]
    public void StrayItemDelimiter_AtTopLevel_IsRejected()
    {
        var error = Assert.Throws<DicomFormatException>(() => ReadImplicit(Element(0xFFFE, 0xE00D, 0)));

        Assert.Contains("Item Delimitation", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptDeflateStream_IsRejected()
    {
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

        Assert.Throws<DicomFormatException>(() => DicomReader.ReadDataset(new MemoryStream(garbage), DicomTransferSyntax.DeflatedExplicitVRLittleEndian));
    }

    [Fact]
    public void DeflateBomb_StopsAtTheConfiguredLimit()
    {
        // 8 MB of zeros in one OB value deflates to a few KB (PS3.5 §A.5 input is not trusted either).
        var dataset = new DicomDataset();
        dataset.SetBytes(DicomTag.PixelData, DicomVR.OB, new byte[8 << 20]);
        var deflated = new MemoryStream();
        DicomWriter.WriteDataset(deflated, dataset, DicomTransferSyntax.DeflatedExplicitVRLittleEndian);
        Assert.True(deflated.Length < 64 * 1024);

        var error = Assert.Throws<DicomFormatException>(() => DicomReader.ReadDataset(
            new MemoryStream(deflated.ToArray()), DicomTransferSyntax.DeflatedExplicitVRLittleEndian, new DicomReaderOptions { MaxUnboundedLength = 1 << 20 }));

        Assert.Contains("bytes left", error.Reason, StringComparison.Ordinal);
    }

    internal static byte[] Element(ushort group, ushort element, uint length)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, group);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), element);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), length);
        return bytes;
    }

    private static DicomDataset ReadImplicit(byte[] bytes) =>
        DicomReader.ReadDataset(new MemoryStream(bytes), DicomTransferSyntax.ImplicitVRLittleEndian);
}

/// <summary>A stream that cannot seek or tell its length, like a network stream.</summary>
internal sealed class NonSeekableStream(byte[] bytes) : ImagePortal.Dicom.IO.ForwardReadStream
{
    private readonly MemoryStream _inner = new(bytes);

    public override int Read(Span<byte> buffer) => _inner.Read(buffer);
}
