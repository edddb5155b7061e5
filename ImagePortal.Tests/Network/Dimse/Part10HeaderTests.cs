using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Dimse;

/// <summary>Part10Header reads the meta group with the data library's reader and leaves the stream at the data set.</summary>
public sealed class Part10HeaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadsTheMetaGroup_AndStopsAtTheFirstByteOfTheDataSet()
    {
        using var folder = new TempDirectory("part10");
        var study = SyntheticStudy.Write(folder.Path, series: 1, imagesPerSeries: 1);
        await using var stream = File.OpenRead(study.Files[0]);

        var header = await Part10Header.ReadAsync(stream, Ct);

        Assert.Equal(new Part10Header(SyntheticStudy.CtImageStorage, study.SopInstanceUids[0], DicomTransferSyntax.ExplicitVRLittleEndian.Uid), header);
        var dataset = DicomReader.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(study.SopInstanceUids[0], dataset.GetUid(DicomTag.SOPInstanceUID));
        Assert.DoesNotContain(dataset, item => item.Tag.Group == 0x0002);
    }

    [Fact]
    public async Task ItsOwnEncoding_ReadsBack()
    {
        var header = new Part10Header(SyntheticStudy.CtImageStorage, "1.2.3.4.5", DicomTransferSyntax.ImplicitVRLittleEndian.Uid);
        var bytes = header.Encode("SOMEAE");
        using var stream = new MemoryStream([.. bytes, 0x08, 0x00, 0x18, 0x00]);

        Assert.Equal(header, await Part10Header.ReadAsync(stream, Ct));
        Assert.Equal(bytes.Length, stream.Position);
    }

    public static TheoryData<string, byte[]> NotPart10 => new()
    {
        { "empty", [] },
        { "no DICM", new byte[200] },
        { "DICM, then garbage", [.. new byte[128], .. "DICM"u8.ToArray(), 0x02, 0x00, 0x10, 0x00, (byte)'U', (byte)'I', 0xFF, 0x7F, 0x31] },
        { "meta without the UIDs", [.. new byte[128], .. "DICM"u8.ToArray(), 0x02, 0x00, 0x01, 0x00, (byte)'O', (byte)'B', 0, 0, 2, 0, 0, 0, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(NotPart10))]
    public async Task AnythingElse_IsInvalidData(string what, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Part10Header.ReadAsync(stream, Ct));

        Assert.False(string.IsNullOrEmpty(error.Message), what);
    }
}
