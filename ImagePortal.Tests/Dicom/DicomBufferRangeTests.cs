using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Dicom;

/// <summary>Copying one range of a value (one frame of native pixel data) without reading the rest of it.</summary>
public sealed class DicomBufferRangeTests
{
    private static ushort[] Pixels => [.. Enumerable.Range(0, 64).Select(i => (ushort)(i * 1000 + 7))];

    [Theory]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.2")]
    public void ARangeOfADeferredValue_IsThoseBytes_LittleEndian(string syntax)
    {
        using var folder = new TempDirectory("buffer-range");
        var path = folder.Combine("pixels.dcm");
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.7");
        dataset.SetString(DicomTag.SOPInstanceUID, "1.2.3.4");
        dataset.SetValues(DicomTag.PixelData, DicomVR.OW, Pixels);
        DicomFile.Create(dataset, DicomTransferSyntax.Lookup(syntax)).Save(path);
        var pixels = (DicomElement)DicomFile.Open(path, new DicomReaderOptions { LargeValueThreshold = 16 }).Dataset.Find(DicomTag.PixelData)!;
        Assert.False(pixels.Buffer.IsLoaded);

        using var frame = new MemoryStream();
        pixels.Buffer.CopyTo(frame, 32, 64);

        var expected = Pixels.Skip(16).Take(32).SelectMany(BitConverter.GetBytes).ToArray();
        Assert.Equal(expected, frame.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => pixels.Buffer.CopyTo(Stream.Null, 100, 100));
    }

    [Fact]
    public void ARangeOfAValueInMemory_IsThoseBytes()
    {
        var buffer = DicomBuffer.FromBytes(new byte[] { 1, 2, 3, 4, 5, 6 });
        using var copy = new MemoryStream();

        buffer.CopyTo(copy, 2, 3);

        Assert.Equal([3, 4, 5], copy.ToArray());
    }
}
