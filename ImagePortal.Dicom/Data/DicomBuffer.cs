using System.Buffers;
using System.Buffers.Binary;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// The encoded bytes of a value, always in little endian byte order (big endian input is swapped once when read).
/// Either held in memory or, for large values, a reference to a range of a file or seekable stream that is only read
/// when the bytes are asked for, or copied stream to stream when written, so that the headers of a 500 MB file are read
/// without loading its pixel data.
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

    /// <summary>
    /// Writes <paramref name="count"/> bytes from <paramref name="start"/> (one frame of native pixel data), reading only
    /// that range of a deferred value. A big endian value is swapped per unit: the range starts on a unit.
    /// </summary>
    public abstract void CopyTo(Stream destination, long start, long count);

    /// <summary>Refuses a range outside the value, before anything is written.</summary>
    protected void CheckRange(long start, long count)
    {
        if (start < 0 || count < 0 || start + count > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Bytes {start} to {start + count} are outside a value of {Length} bytes.");
        }
    }

    public static DicomBuffer FromBytes(ReadOnlyMemory<byte> bytes) => bytes.IsEmpty ? Empty : new MemoryDicomBuffer(bytes);
}

internal sealed class MemoryDicomBuffer(ReadOnlyMemory<byte> bytes) : DicomBuffer
{
    public override long Length => bytes.Length;

    public override bool IsLoaded => true;

    public override ReadOnlyMemory<byte> GetBytes() => bytes;

    public override void CopyTo(Stream destination) => destination.Write(bytes.Span);

    public override void CopyTo(Stream destination, long start, long count)
    {
        CheckRange(start, count);
        destination.Write(bytes.Span.Slice((int)start, (int)count));
    }
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
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
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
    // Large enough that copying a 512×512×16-bit frame takes one read and one write, small enough to pool.
    private const int ChunkSize = 1 << 20;

    public override long Length => length;

    public override bool IsLoaded => false;

    public override ReadOnlyMemory<byte> GetBytes()
    {
        if (length > Array.MaxLength)
        {
            throw new InvalidOperationException($"A value of {length} bytes does not fit in memory; copy it with CopyTo instead.");
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        Read(0, stream =>
        {
            stream.ReadExactly(bytes);
            ByteSwap.ToLittleEndian(bytes, swapUnit);
        });
        return bytes;
    }

    public override void CopyTo(Stream destination) => CopyRange(destination, 0, length);

    public override void CopyTo(Stream destination, long start, long count)
    {
        CheckRange(start, count);
        if (swapUnit > 1 && start % swapUnit != 0)
        {
            throw new ArgumentException($"A range of a value swapped in units of {swapUnit} bytes starts on a unit, not at byte {start}.", nameof(start));
        }

        CopyRange(destination, start, count);
    }

    private void CopyRange(Stream destination, long start, long count)
    {
        var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(count, 1, ChunkSize));
        try
        {
            Read(start, stream =>
            {
                var remaining = count;
                while (remaining > 0)
                {
                    var read = (int)Math.Min(remaining, chunk.Length);
                    stream.ReadExactly(chunk, 0, read);
                    ByteSwap.ToLittleEndian(chunk.AsSpan(0, read), swapUnit);
                    destination.Write(chunk, 0, read);
                    remaining -= read;
                }
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// Positions the source at the value and runs <paramref name="read"/>. A caller's stream is shared: access is
    /// serialised on it and its position restored, so a deferred value never disturbs whoever else reads it.
    /// </summary>
    private void Read(long start, Action<Stream> read)
    {
        var stream = source.Open(out var owned);
        try
        {
            if (owned)
            {
                stream.Position = offset + start;
                read(stream);
                return;
            }

            lock (stream)
            {
                var saved = stream.Position;
                try
                {
                    stream.Position = offset + start;
                    read(stream);
                }
                finally
                {
                    stream.Position = saved;
                }
            }
        }
        catch (EndOfStreamException exception)
        {
            throw new DicomFormatException(offset, "the source ended inside a value that was left in it (was it changed since?)", exception);
        }
        finally
        {
            if (owned)
            {
                stream.Dispose();
            }
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
