using System.Buffers.Binary;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The frames of a Part 10 file read straight from its bytes, without the portal's DICOM reader: the oracle for what the
/// WADO-RS frames must be. Native pixel data is cut into equal frames; encapsulated pixel data gives its fragments (one
/// per frame, or all of them for a single frame).
/// </summary>
public static class SourceFrames
{
    public static IReadOnlyList<byte[]> Read(string path, int frames)
    {
        var bytes = File.ReadAllBytes(path);
        // Undefined length: encapsulated. Some writers label it OW (MR_small_jpeg_ls_lossless.dcm), as dcmdump warns.
        byte[] encapsulated = [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] mislabelled = [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'W', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        var start = Math.Max(bytes.AsSpan().LastIndexOf(encapsulated), bytes.AsSpan().LastIndexOf(mislabelled));
        if (start >= 0)
        {
            var position = start + encapsulated.Length;
            var items = new List<byte[]>();
            while (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(position + 2)) != 0xE0DD)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 4));
                items.Add(bytes[(position + 8)..(position + 8 + length)]);
                position += 8 + length;
            }

            var fragments = items.Skip(1).ToList();
            return frames == 1 ? [[.. fragments.SelectMany(f => f)]] : fragments;
        }

        // Native: the last (7FE0,0010) whose value runs to the end of the file, explicit (OW/OB) or implicit VR little endian.
        byte[] tag = [0xE0, 0x7F, 0x10, 0x00];
        for (var at = bytes.AsSpan().LastIndexOf(tag); at >= 0; at = bytes.AsSpan(0, at).LastIndexOf(tag))
        {
            var isExplicit = bytes[at + 4] == 'O' && bytes[at + 5] is (byte)'W' or (byte)'B';
            var header = isExplicit ? 12 : 8;
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + header - 4));
            if (at + header + length == bytes.Length)
            {
                var size = (int)length / frames;
                return [.. Enumerable.Range(0, frames).Select(f => bytes[(at + header + f * size)..(at + header + (f + 1) * size)])];
            }
        }

        throw new InvalidOperationException($"{path}: no pixel data found by hand.");
    }
}
