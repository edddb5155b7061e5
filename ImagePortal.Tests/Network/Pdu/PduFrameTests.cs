using ImagePortal.Dicom.Network.Pdu;
using static ImagePortal.Tests.Network.Pdu.PduBytes;

namespace ImagePortal.Tests.Network.Pdu;

public sealed class PduFrameTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAsync_ReturnsTypeAndVariableField()
    {
        using var stream = new MemoryStream(Of("05 00 00000004 00000000"));

        using var frame = await PduFrame.ReadAsync(stream, 16384, Ct);

        Assert.NotNull(frame);
        Assert.Equal(PduType.ReleaseRequest, frame.Type);
        Assert.Equal(4, frame.Length);
    }

    [Fact]
    public async Task ReadAsync_AtCleanEndOfStream_ReturnsNull()
    {
        using var stream = new MemoryStream();

        Assert.Null(await PduFrame.ReadAsync(stream, 16384, Ct));
    }

    [Theory]
    [InlineData("04 00 FFFFFFFF")]   // P-DATA-TF near 4 GiB: refused before any allocation
    [InlineData("04 00 00100000")]   // 1 MiB P-DATA-TF above our announced 16 KiB + margin
    [InlineData("01 00 7FFFFFFF")]   // A-ASSOCIATE-RQ of 2 GiB
    [InlineData("01 00 00000010")]   // A-ASSOCIATE-RQ shorter than its fixed part (PS3.8 9.3.2)
    [InlineData("05 00 00000005")]   // A-RELEASE-RQ is always 4 bytes (PS3.8 9.3.6)
    [InlineData("07 00 00000000")]   // A-ABORT is always 4 bytes (PS3.8 9.3.8)
    [InlineData("04 00 00000002")]   // P-DATA-TF too short to hold a PDV header
    public async Task ReadAsync_RefusesLengthsNoPduOfThatTypeMayHave(string hex)
    {
        using var stream = new MemoryStream(Convert.FromHexString(hex.Replace(" ", string.Empty)));

        var error = await Assert.ThrowsAsync<DicomProtocolException>(async () => await PduFrame.ReadAsync(stream, 16384, Ct));

        Assert.Equal(AbortReason.InvalidPduParameterValue, error.Reason);
    }

    [Fact]
    public async Task ReadAsync_UnknownPduType_IsUnrecognizedPdu()
    {
        // PS3.8 9.2 table 9-10 event 19: an unrecognized PDU leads to A-ABORT with reason 1.
        using var stream = new MemoryStream(Of("47 45 54202F20"));

        var error = await Assert.ThrowsAsync<DicomProtocolException>(async () => await PduFrame.ReadAsync(stream, 16384, Ct));

        Assert.Equal(AbortReason.UnrecognizedPdu, error.Reason);
    }

    [Fact]
    public async Task ReadAsync_TruncatedBody_ThrowsEndOfStream()
    {
        using var stream = new MemoryStream(Of("05 00 00000004 0000"));

        await Assert.ThrowsAsync<EndOfStreamException>(async () => await PduFrame.ReadAsync(stream, 16384, Ct));
    }

    [Fact]
    public void PDataTf_WritesAndReadsPdvsOfPs38Section9_3_5()
    {
        var writer = new PduWriter();
        PDataTf.Write(writer, [new Pdv(1, IsCommand: true, IsLastFragment: true, new byte[] { 0xAA, 0xBB }), new Pdv(3, false, false, new byte[] { 0xCC })]);

        var expected = Of("04 00 0000000F", "00000004 01 03 AABB", "00000003 03 00 CC");
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(writer.ToArray()));

        var pdvs = PDataTf.Read(expected.AsMemory(6));
        Assert.Equal(2, pdvs.Count);
        Assert.True(pdvs[0].IsCommand && pdvs[0].IsLastFragment);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, pdvs[0].Data.ToArray());
        Assert.Equal(3, pdvs[1].PresentationContextId);
        Assert.False(pdvs[1].IsCommand || pdvs[1].IsLastFragment);
    }

    [Fact]
    public void PDataTf_SinglePdvHeader_MatchesTheGeneralWriter()
    {
        var header = new byte[PDataTf.SinglePdvOverhead];
        PDataTf.WriteSinglePdvHeader(header, 5, isCommand: false, isLast: true, fragmentLength: 3);

        Assert.Equal("0400000000090000000505 02".Replace(" ", string.Empty), Convert.ToHexString(header));
    }

    [Theory]
    [InlineData("00000001 01")]               // item length 1 cannot hold context id + control header
    [InlineData("00000010 01 03 AABB")]       // item length beyond the PDU
    [InlineData("FFFFFFFF 01 03")]            // item length near 4 GiB
    [InlineData("00000003 01 07 AA")]         // reserved control bits set (PS3.8 E.2)
    [InlineData("")]                           // no PDV at all
    public void PDataTf_Read_RefusesInconsistentPdvs(string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", string.Empty));

        Assert.Throws<DicomProtocolException>(() => PDataTf.Read(bytes));
    }
}
