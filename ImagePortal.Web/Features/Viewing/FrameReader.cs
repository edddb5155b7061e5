using System.Buffers;
using System.Buffers.Binary;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>A frame read into memory: its bytes are <c>Bytes[..Length]</c>; a rented array goes back to the pool with <see cref="Release"/>.</summary>
public readonly record struct ReadFrame(byte[] Bytes, int Length, bool Pooled)
{
    public ReadOnlyMemory<byte> Memory => Bytes.AsMemory(0, Length);

    /// <summary>Gives a rented array back to the pool (the frame is not used afterwards).</summary>
    public void Release()
    {
        if (Pooled)
        {
            ArrayPool<byte>.Shared.Return(Bytes);
        }
    }
}

/// <summary>The frame is not in the instance (a number past its last frame, an instance without pixel data).</summary>
public sealed class FrameNotFoundException(string message) : Exception(message);

/// <summary>
/// Cuts frames out of a cached instance, in the instance's own transfer syntax (PS3.18 8.7.3: a frame of a native
/// syntax is the frame's bytes, little endian; of an encapsulated syntax, the compressed frame as stored). The pixel data
/// stays in the file (its deferred values open the file per read, so nothing stays open): only the frame asked for is read.
/// </summary>
public sealed class FrameReader
{
    private static readonly DicomTag ExtendedOffsetTable = new(0x7FE00001u);

    private readonly DicomFile _file;
    private readonly DicomItem? _pixelData;

    public FrameReader(string path)
    {
        _file = DicomFile.Open(path);
        _pixelData = _file.Dataset.Find(DicomTag.PixelData);
        FrameCount = Math.Max(1, SafeInteger(DicomTag.NumberOfFrames) ?? 1);
    }

    public DicomTransferSyntax TransferSyntax => _file.TransferSyntax;

    /// <summary>The instance's data set (its pixel data deferred): what the caller checks the file against.</summary>
    public DicomDataset Dataset => _file.Dataset;

    /// <summary>The bytes of one frame where the syntax is native (every frame the same size); null for encapsulated frames.</summary>
    public long? NativeFrameSize => _pixelData is DicomElement ? FrameSize() : null;

    public int FrameCount { get; }

    /// <summary>The media type of this instance's frames, with its transfer-syntax parameter (PS3.18 table 8.7.3-5).</summary>
    public string MediaType => FrameMediaTypes.For(TransferSyntax);

    /// <summary>
    /// Reads frame <paramref name="number"/> (1-based) into memory: a native frame (512 KB for a CT slice) into an array
    /// rented from the shared pool, which the caller gives back (<see cref="ReadFrame.Release"/>) once the frame is written;
    /// a new array a frame would put each frame on the large object heap, zeroed first and then collected by full
    /// collections. An encapsulated frame (its size known only once read) goes to an array of its own.
    /// </summary>
    public ReadFrame Read(int number)
    {
        var nativeSize = NativeFrameSize is { } native ? checked((int)native) : 0;
        var pooled = nativeSize > 0 ? ArrayPool<byte>.Shared.Rent(nativeSize) : null;
        var buffer = pooled is null ? new MemoryStream() : new MemoryStream(pooled, 0, nativeSize, writable: true, publiclyVisible: true);
        try
        {
            CopyFrame(number, buffer);
        }
        catch
        {
            if (pooled is not null)
            {
                ArrayPool<byte>.Shared.Return(pooled);
            }

            throw;
        }

        return new ReadFrame(buffer.GetBuffer(), checked((int)buffer.Position), pooled is not null);
    }

    /// <summary>Writes frame <paramref name="number"/> (1-based) to <paramref name="destination"/>.</summary>
    public void CopyFrame(int number, Stream destination)
    {
        if (number < 1 || number > FrameCount)
        {
            throw new FrameNotFoundException($"The instance has {Common.Labels.Count(FrameCount, "frame")}; there is no frame {number}.");
        }

        switch (_pixelData)
        {
            case DicomElement native:
                var size = FrameSize();
                if ((long)number * size > native.Length)
                {
                    throw new FrameNotFoundException($"The pixel data holds {native.Length} bytes, too few for frame {number} of {size} bytes.");
                }

                native.Buffer.CopyTo(destination, (number - 1) * size, size);
                return;
            case DicomFragmentSequence encapsulated:
                foreach (var fragment in Fragments(encapsulated, number - 1))
                {
                    fragment.CopyTo(destination);
                }

                return;
            default:
                throw new FrameNotFoundException("The instance has no pixel data.");
        }
    }

    /// <summary>
    /// PS3.5 8.1.1: bits allocated × samples × rows × columns, in whole bytes (1-bit frames start on a bit boundary: refused).
    /// YBR_FULL_422 stores two samples a pixel, not three (PS3.3 C.7.6.3.1.2: Y Y Cb Cr for each two pixels).
    /// </summary>
    private long FrameSize()
    {
        long rows = _file.Dataset.GetUInt16(DicomTag.Rows) ?? 0;
        long columns = _file.Dataset.GetUInt16(DicomTag.Columns) ?? 0;
        long samples = _file.Dataset.GetUInt16(DicomTag.SamplesPerPixel) ?? 1;
        if (samples == 3 && string.Equals(_file.Dataset.GetString(DicomTag.PhotometricInterpretation)?.Trim(), "YBR_FULL_422", StringComparison.Ordinal))
        {
            samples = 2;
        }

        long bits = _file.Dataset.GetUInt16(DicomTag.BitsAllocated) ?? 0;
        var size = rows * columns * samples * bits;
        if (size == 0 || size % 8 != 0)
        {
            throw new FrameNotFoundException($"Frames of {rows}×{columns}×{samples} samples of {bits} bits do not start on a byte; ask for the instance instead.");
        }

        return size / 8;
    }

    /// <summary>
    /// The fragments of frame <paramref name="index"/> (PS3.5 A.4): all of them for a single frame; one per frame when
    /// there are as many as frames; else as the Basic (or Extended) Offset Table places the frames.
    /// </summary>
    private IEnumerable<DicomBuffer> Fragments(DicomFragmentSequence pixels, int index)
    {
        var fragments = pixels.Fragments;
        if (FrameCount == 1)
        {
            return fragments;
        }

        if (fragments.Count == FrameCount)
        {
            return [fragments[index]];
        }

        var offsets = Offsets(pixels);
        if (offsets.Count != FrameCount)
        {
            throw new FrameNotFoundException($"{FrameCount} frames in {fragments.Count} fragments without an offset table: the frames cannot be told apart; ask for the instance instead.");
        }

        // Offsets count from the first fragment's item tag; each item is 8 bytes of tag and length, then its value.
        var start = offsets[index];
        var end = index + 1 < offsets.Count ? offsets[index + 1] : long.MaxValue;
        var picked = new List<DicomBuffer>();
        long position = 0;
        foreach (var fragment in fragments)
        {
            if (position >= start && position < end)
            {
                picked.Add(fragment);
            }

            position += 8 + fragment.Length;
        }

        return picked;
    }

    private List<long> Offsets(DicomFragmentSequence pixels)
    {
        var basic = pixels.OffsetTable.GetBytes().Span;
        if (basic.Length >= 4)
        {
            var offsets = new List<long>();
            for (var i = 0; i + 4 <= basic.Length; i += 4)
            {
                offsets.Add(BinaryPrimitives.ReadUInt32LittleEndian(basic[i..]));
            }

            return offsets;
        }

        var extended = _file.Dataset.GetBytes(ExtendedOffsetTable).Span;
        var result = new List<long>();
        for (var i = 0; i + 8 <= extended.Length; i += 8)
        {
            result.Add((long)BinaryPrimitives.ReadUInt64LittleEndian(extended[i..]));
        }

        return result;
    }

    private int? SafeInteger(DicomTag tag)
    {
        try
        {
            return _file.Dataset.GetIntegerString(tag);
        }
        catch (DicomFormatException)
        {
            return null;
        }
    }
}
