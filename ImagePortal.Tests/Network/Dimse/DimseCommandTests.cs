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

    [Fact]
    public void Decode_OrthancGetResponseWithStatusDetailOutsideGroup0000_SkipsItAndReadsTheFailedUidList()
    {
        // The final C-GET-RSP Orthanc 1.10 sent when one sub-operation failed, byte for byte: group 0000,
        // then DCMTK status detail (0008,0000) and (0008,0058) that PS3.7 6.3.1 does not allow there.
        var hex =
            "00000000" + "04000000" + "6A000000" +                                                    // (0000,0000) UL 106
            "00000200" + "1C000000" + Convert.ToHexString("1.2.840.10008.5.1.4.1.2.2.3\0"u8) +      // (0000,0002) UI Study Root GET
            "00000001" + "02000000" + "1080" +                                                        // (0000,0100) US C-GET-RSP
            "00002001" + "02000000" + "0100" +                                                        // (0000,0120) US 1
            "00000008" + "02000000" + "0101" +                                                        // (0000,0800) US no data set
            "00000009" + "02000000" + "00C0" +                                                        // (0000,0900) US C000
            "00002110" + "02000000" + "0000" +                                                        // (0000,1021) US 0 completed
            "00002210" + "02000000" + "0100" +                                                        // (0000,1022) US 1 failed
            "00002310" + "02000000" + "0000" +                                                        // (0000,1023) US 0 warnings
            "08000000" + "04000000" + "34000000" +                                                    // (0008,0000) UL 52
            "08005800" + "2C000000" + Convert.ToHexString("2.25.114732266513002763612294631719432603653"u8); // (0008,0058) UI

        var command = DimseCommand.Decode(Convert.FromHexString(hex));

        Assert.Equal(DimseCommandField.CGetResponse, command.CommandField);
        Assert.Equal(1, command.MessageIdBeingRespondedTo);
        Assert.Equal(new DimseStatus(0xC000), command.Status);
        Assert.Equal((ushort?)0, command.CompletedSuboperations);
        Assert.Equal((ushort?)1, command.FailedSuboperations);
        Assert.False(command.HasDataSet);
        Assert.Equal(["2.25.114732266513002763612294631719432603653"], command.FailedSopInstanceUids);
    }

    [Fact]
    public void Decode_FailedUidListInTheCommandSet_IsSplitAtBackslashesAndUnpadded()
    {
        var list = "1.2.3\\4.5.6\0"u8;
        var hex =
            "00000001" + "02000000" + "2180" +                                                        // (0000,0100) US C-MOVE-RSP
            "08005800" + list.Length.ToString("X2") + "000000" + Convert.ToHexString(list);           // (0008,0058) UI "1.2.3\\4.5.6"

        var command = DimseCommand.Decode(Convert.FromHexString(hex));

        Assert.Equal(["1.2.3", "4.5.6"], command.FailedSopInstanceUids);
    }

    [Theory]
    [InlineData("00000001 02000000 1080 08005800 FF000000 3100")] // another group's length beyond what remains
    [InlineData("00000001 02000000 1080 0800")]                 // another group's element header cut short
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
