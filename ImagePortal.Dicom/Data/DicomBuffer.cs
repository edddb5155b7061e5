using System.Buffers;
using System.Buffers.Binary;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// The encoded bytes of a value, always in little endian byte order (big endian input is swapped once when read).
/// Either held in memory or, for large values, a reference to a range of a file or seekable stream that is only read
/// when the bytes are asked for, or copied stream to stream when written (issue 3: headers of a 500 MB file are read
/// without its pixel data).
/// </summary>
public abstract class DicomBuffer
{
    public static DicomBuffer Empty { get; } = new MemoryDicomBuffer(ReadOnlyMemory<byte>.Empty);

    public abstract long Length { get; }

    /// <summary>Whether the bytes are in memory; false for values left in their file.</summary>
    public abstract bool IsLoaded { get; }

    /// <summary>The bytes; a deferred value is read from its source (and not kept, so memory stays flat).</summary>
    public abstract ReadOnlyMemory<byte> GetBytes();

    /// <summary>Writes the bytes to <paramref name="destination"/>, streaming deferred values in bounded chunks.</summary>
    public abstract void CopyTo(Stream destination);

    public static DicomBuffer FromBytes(ReadOnlyMemory<byte> bytes) => bytes.IsEmpty ? Empty : new MemoryDicomBuffer(bytes);
}

internal sealed class MemoryDicomBuffer(ReadOnlyMemory<byte> bytes) : DicomBuffer
{
    public override long Length => bytes.Length;

    public override bool IsLoaded => true;

    public override ReadOnlyMemory<byte> GetBytes() => bytes;

    public override void CopyTo(Stream destination) => destination.Write(bytes.Span);
}

/// <summary>Where deferred values come from: a file opened per access, or a seekable stream the caller keeps open.</summary>
internal abstract class DicomByteSource
{
    public abstract Stream Open(out bool dispose);

    public sealed class FromFile(string path) : DicomByteSource
    {
        public override Stream Open(out bool dispose)
        {
            dispose = true;
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
    }

    public sealed class FromStream(Stream stream) : DicomByteSource
    {
        public override Stream Open(out bool dispose)
        {
            dispose = false;
            return stream;
        }
    }
}

internal sealed class DeferredDicomBuffer(DicomByteSource source, long offset, long length, int swapUnit) : DicomBuffer
{
    private const int ChunkSize = 1 << 16;

    public override long Length => length;

    public override bool IsLoaded => false;

    public override ReadOnlyMemory<byte> GetBytes()
    {
        if (length > Array.MaxLength)
        {
            throw new InvalidOperationException($"A value of {length} bytes does not fit in memory; copy it with CopyTo instead.");
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        var stream = source.Open(out var dispose);
        try
        {
            stream.Position = offset;
            stream.ReadExactly(bytes);
        }
        catch (EndOfStreamException exception)
        {
            throw new DicomFormatException(offset, "the file ended inside a value it was read from (was it changed since?)", exception);
        }
        finally
        {
            if (dispose)
            {
                stream.Dispose();
            }
        }

        ByteSwap.ToLittleEndian(bytes, swapUnit);
        return bytes;
    }

    public override void CopyTo(Stream destination)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var stream = source.Open(out var dispose);
        try
        {
            stream.Position = offset;
            var remaining = length;
            while (remaining > 0)
            {
                var count = (int)Math.Min(remaining, ChunkSize);
                stream.ReadExactly(chunk, 0, count);
                ByteSwap.ToLittleEndian(chunk.AsSpan(0, count), swapUnit);
                destination.Write(chunk, 0, count);
                remaining -= count;
            }
        }
        catch (EndOfStreamException exception)
        {
            throw new DicomFormatException(offset, "the file ended inside a value it was read from (was it changed since?)", exception);
        }
        finally
        {
            if (dispose)
            {
                stream.Dispose();
            }

            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}

/// <summary>Byte order conversion of binary values (PS3.5 §7.3). Swapping is its own inverse, so one method serves both ways.</summary>
internal static class ByteSwap
{
    /// <summary>Swaps every <paramref name="unitSize"/>-byte unit in place; 1 does nothing. A trailing partial unit is left as is.</summary>
    public static void ToLittleEndian(Span<byte> bytes, int unitSize)
    {
        switch (unitSize)
        {
            case 2:
                var shorts = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes[..(bytes.Length & ~1)]);
                BinaryPrimitives.ReverseEndianness(shorts, shorts);
                break;
            case 4:
                var ints = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(bytes[..(bytes.Length & ~3)]);
                BinaryPrimitives.ReverseEndianness(ints, ints);
                break;
            case 8:
                var longs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes[..(bytes.Length & ~7)]);
                BinaryPrimitives.ReverseEndianness(longs, longs);
                break;
        }
    }
}
