using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Tests.Network.Dimse;

public sealed class DimseCommandTests
{
    [Fact]
    public void EchoRequest_IsEncodedAsPs37SectionE1_ImplicitLittleEndianWithGroupLength()
    {
        var command = new DimseCommand
        {
            CommandField = DimseCommandField.CEchoRequest,
            MessageId = 1,
            AffectedSopClassUid = "1.2.840.10008.1.1",
            HasDataSet = false,
        };

        // (0000,0000) UL 56; (0000,0002) UI "1.2.840.10008.1.1\0" (18); (0000,0100) US 0x0030;
        // (0000,0110) US 1; (0000,0800) US 0x0101.
        var expected =
            "00000000" + "04000000" + "38000000" +
            "00000200" + "12000000" + Convert.ToHexString("1.2.840.10008.1.1\0"u8) +
            "00000001" + "02000000" + "3000" +
            "00001001" + "02000000" + "0100" +
            "00000008" + "02000000" + "0101";
        Assert.Equal(expected, Convert.ToHexString(command.Encode()));
    }

    [Fact]
    public void Decode_RoundTripsEveryField()
    {
        var original = new DimseCommand
        {
            CommandField = DimseCommandField.CMoveResponse,
            MessageIdBeingRespondedTo = 7,
            AffectedSopClassUid = "1.2.840.10008.5.1.4.1.2.2.2",
            Status = DimseStatus.Pending,
            RemainingSuboperations = 3,
            CompletedSuboperations = 2,
            FailedSuboperations = 1,
            WarningSuboperations = 0,
            HasDataSet = false,
        };

        var decoded = DimseCommand.Decode(original.Encode());

        Assert.Equal(DimseCommandField.CMoveResponse, decoded.CommandField);
        Assert.Equal(7, decoded.MessageIdBeingRespondedTo);
        Assert.Equal("1.2.840.10008.5.1.4.1.2.2.2", decoded.AffectedSopClassUid);
        Assert.Equal(DimseStatus.Pending, decoded.Status);
        Assert.Equal((ushort?)3, decoded.RemainingSuboperations);
        Assert.Equal((ushort?)2, decoded.CompletedSuboperations);
        Assert.Equal((ushort?)1, decoded.FailedSuboperations);
        Assert.Equal((ushort?)0, decoded.WarningSuboperations);
        Assert.False(decoded.HasDataSet);
        Assert.False(decoded.IsRequest);
    }

    [Fact]
    public void ErrorComment_IsTruncatedTo64CharactersOfTheDefaultRepertoire()
    {
        var command = new DimseCommand { ErrorComment = "Ünknown " + new string('x', 100) + "\\" };

        var comment = command.ErrorComment!;

        Assert.Equal(64, comment.Length);
        Assert.StartsWith("?nknown x", comment);
        Assert.Equal(comment, DimseCommand.Decode(WithCommandField(command)).ErrorComment);
    }

    [Theory]
    [InlineData(0x0000, DimseStatusClass.Success)]
    [InlineData(0xFF00, DimseStatusClass.Pending)]
    [InlineData(0xFF01, DimseStatusClass.Pending)]
    [InlineData(0xFE00, DimseStatusClass.Cancel)]
    [InlineData(0x0001, DimseStatusClass.Warning)]
    [InlineData(0x0107, DimseStatusClass.Warning)]
    [InlineData(0x0116, DimseStatusClass.Warning)]
    [InlineData(0xB000, DimseStatusClass.Warning)]
    [InlineData(0xB007, DimseStatusClass.Warning)]
    [InlineData(0xA700, DimseStatusClass.Failure)]
    [InlineData(0xA801, DimseStatusClass.Failure)]
    [InlineData(0xC000, DimseStatusClass.Failure)]
    [InlineData(0x0110, DimseStatusClass.Failure)]
    [InlineData(0x0211, DimseStatusClass.Failure)]
    public void Status_IsClassifiedAsPs37AnnexC(int code, DimseStatusClass expected)
    {
        Assert.Equal(expected, new DimseStatus((ushort)code).Class);
    }

    [Theory]
    [InlineData("08000000 02000000 0000")]                    // group 0008 in a command set
    [InlineData("00000001 FF000000 3000")]                    // length beyond what remains
    [InlineData("00000001 0200")]                             // element header cut short
    [InlineData("00000000 04000000 00000000")]                // no command field at all
    public void Decode_RefusesMalformedCommandSets(string hex)
    {
        Assert.Throws<DicomProtocolException>(() => DimseCommand.Decode(Convert.FromHexString(hex.Replace(" ", string.Empty))));
    }

    private static byte[] WithCommandField(DimseCommand command)
    {
        command.CommandField = DimseCommandField.CStoreResponse;
        return command.Encode();
    }
}
