using System.Buffers.Binary;
using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Viewing;

namespace ImagePortal.Tests.Features.Viewing;

/// <summary>Frames of encapsulated pixel data told apart as PS3.5 A.4 says: one fragment each, or by an offset table.</summary>
public sealed class FrameReaderTests : IDisposable
{
    private readonly TempDirectory _folder = new("frames");

    public void Dispose() => _folder.Dispose();

    private string Write(int frames, byte[][] fragments, byte[] offsetTable, byte[]? extended = null)
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.7");
        dataset.SetString(DicomTag.SOPInstanceUID, "1.2.3.4");
        dataset.SetString(DicomTag.NumberOfFrames, frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (extended is not null)
        {
            dataset.SetBytes(new DicomTag(0x7FE00001u), DicomVR.OV, extended);
        }

        dataset.Add(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.FromBytes(offsetTable), fragments.Select(f => DicomBuffer.FromBytes(f))));
        var path = _folder.Combine($"{Guid.NewGuid():N}.dcm");
        DicomFile.Create(dataset, DicomTransferSyntax.Lookup("1.2.840.10008.1.2.5")).Save(path);
        return path;
    }

    /// <summary>Two native frames in explicit VR little endian: <paramref name="pixels"/> is both frames' bytes.</summary>
    private string WriteNative(ushort rows, ushort columns, ushort samples, string photometric, ushort bitsAllocated, byte[] pixels)
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.7");
        dataset.SetString(DicomTag.SOPInstanceUID, "1.2.3.5");
        dataset.SetString(DicomTag.NumberOfFrames, "2");
        dataset.SetUInt16(DicomTag.Rows, rows);
        dataset.SetUInt16(DicomTag.Columns, columns);
        dataset.SetUInt16(DicomTag.SamplesPerPixel, samples);
        dataset.SetString(DicomTag.PhotometricInterpretation, photometric);
        dataset.SetUInt16(DicomTag.BitsAllocated, bitsAllocated);
        dataset.SetBytes(DicomTag.PixelData, bitsAllocated > 8 ? DicomVR.OW : DicomVR.OB, pixels);
        var path = _folder.Combine($"{Guid.NewGuid():N}.dcm");
        DicomFile.Create(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }

    private static byte[] Frame(FrameReader reader, int number)
    {
        using var frame = new MemoryStream();
        reader.CopyFrame(number, frame);
        return frame.ToArray();
    }

    [Fact]
    public void TwoFramesInThreeFragments_AreToldApartByTheBasicOffsetTable()
    {
        var offsets = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(offsets.AsSpan(4), 8 + 4 + 8 + 2);
        var reader = new FrameReader(Write(2, [[1, 2, 3, 4], [5, 6], [7, 8]], offsets));

        Assert.Equal([1, 2, 3, 4, 5, 6], Frame(reader, 1));
        Assert.Equal([7, 8], Frame(reader, 2));
        Assert.Equal("image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5", reader.MediaType);
        Assert.Throws<FrameNotFoundException>(() => Frame(reader, 3));
    }

    [Fact]
    public void WithoutABasicOffsetTable_TheExtendedOneTellsThemApart()
    {
        var extended = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(extended.AsSpan(8), 8 + 2);
        var reader = new FrameReader(Write(2, [[1, 2], [3, 4], [5, 6]], [], extended));

        Assert.Equal([1, 2], Frame(reader, 1));
        Assert.Equal([3, 4, 5, 6], Frame(reader, 2));
    }

    [Fact]
    public void MoreFragmentsThanFrames_WithoutAnyOffsetTable_IsRefusedInWords()
    {
        var reader = new FrameReader(Write(2, [[1, 2], [3, 4], [5, 6]], []));

        Assert.Contains("cannot be told apart", Assert.Throws<FrameNotFoundException>(() => Frame(reader, 1)).Message);
    }

    /// <summary>Native YBR_FULL_422 is Y Y Cb Cr for each two pixels: a frame is rows × columns × 2 bytes, not × 3.</summary>
    [Fact]
    public void NativeYbrFull422_Frames_AreTwoBytesAPixel()
    {
        var pixels = Enumerable.Range(0, 2 * 2 * 4 * 2).Select(i => (byte)i).ToArray();
        var reader = new FrameReader(WriteNative(rows: 2, columns: 4, samples: 3, "YBR_FULL_422", bitsAllocated: 8, pixels));

        Assert.Equal(pixels[..16], Frame(reader, 1));
        Assert.Equal(pixels[16..], Frame(reader, 2));
    }

    /// <summary>
    /// A native frame (512 KB for a CT slice) is read into an array rented from the shared pool and given back: the frames
    /// route took a new one a frame (large object heap, zeroed, then full collections: 4.5-5.6 ms of the portal's CPU a
    /// frame in bench/viewer.sh against 2.9-3.2 ms pooled), as the series' pixel data once did.
    /// </summary>
    [Fact]
    public void NativeFrames_AreReadIntoPooledArrays_GivenBackEvenWhenAReadFails()
    {
        var pixels = Enumerable.Range(0, 2 * 512 * 512 * 2).Select(i => (byte)(i * 7)).ToArray();
        var reader = new FrameReader(WriteNative(rows: 512, columns: 512, samples: 1, "MONOCHROME2", bitsAllocated: 16, pixels));
        const int size = 512 * 512 * 2;

        var first = reader.Read(1);
        Assert.True(first.Pooled);
        Assert.Equal(pixels[..size], first.Memory.ToArray());
        var array = first.Bytes;
        first.Release();
        // Read, written, given back: the next frame takes the same array (the pool keeps one a thread), and reading ten
        // more allocates far less than one frame.
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            var again = reader.Read(2 - (i % 2));
            Assert.Same(array, again.Bytes);
            Assert.Equal(size, again.Length);
            again.Release();
        }

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < size / 4, $"{GC.GetAllocatedBytesForCurrentThread() - allocated} bytes allocated for ten frames");
        var second = reader.Read(2);
        Assert.Equal(pixels[size..], second.Memory.ToArray());
        second.Release();
        Assert.Throws<FrameNotFoundException>(() => reader.Read(3));
        var afterFailure = reader.Read(1);
        Assert.Same(array, afterFailure.Bytes);
        afterFailure.Release();
    }

    [Fact]
    public void EncapsulatedFrames_AreReadIntoArraysOfTheirOwn()
    {
        var reader = new FrameReader(Write(2, [[1, 2], [3, 4, 5, 6]], []));

        var frame = reader.Read(2);

        Assert.False(frame.Pooled);
        Assert.Equal([3, 4, 5, 6], frame.Memory.ToArray());
        frame.Release();
    }
}
