using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Tests.Interop;

internal static class InteropAssert
{
    /// <summary>The meta header and the data set bytes of a Part 10 file (what travels over the network).</summary>
    public static async Task<(Part10Header Header, byte[] DataSet)> ReadPart10Async(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        var header = await Part10Header.ReadAsync(file, cancellationToken);
        using var rest = new MemoryStream();
        await file.CopyToAsync(rest, cancellationToken);
        return (header, rest.ToArray());
    }

    public static async Task<List<string>> InstanceUidsAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var uids = new List<string>();
        foreach (var path in paths)
        {
            uids.Add((await ReadPart10Async(path, cancellationToken)).Header.SopInstanceUid);
        }

        return uids.Order().ToList();
    }

    /// <summary>
    /// Each source file arrived once, its data set byte for byte: proof that the data set was
    /// streamed through unchanged, in the transfer syntax it was sent in.
    /// </summary>
    public static async Task SameDataSetsAsync(IReadOnlyList<string> sent, IReadOnlyList<string> received, CancellationToken cancellationToken)
    {
        Assert.Equal(sent.Count, received.Count);
        var receivedByUid = new Dictionary<string, (Part10Header Header, byte[] DataSet)>();
        foreach (var path in received)
        {
            var read = await ReadPart10Async(path, cancellationToken);
            receivedByUid[read.Header.SopInstanceUid] = read;
        }

        foreach (var path in sent)
        {
            var (header, dataSet) = await ReadPart10Async(path, cancellationToken);
            Assert.True(receivedByUid.TryGetValue(header.SopInstanceUid, out var got), $"{Path.GetFileName(path)} ({header.SopInstanceUid}) was not received.");
            Assert.Equal(header.SopClassUid, got.Header.SopClassUid);
            Assert.Equal(header.TransferSyntaxUid, got.Header.TransferSyntaxUid);
            Assert.True(dataSet.AsSpan().SequenceEqual(got.DataSet), $"{Path.GetFileName(path)}: data set differs ({dataSet.Length} sent, {got.DataSet.Length} received).");
        }
    }
}
