using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Pdu;
using static ImagePortal.Tests.Network.Pdu.PduBytes;

namespace ImagePortal.Tests.Network.Pdu;

public sealed class AssociatePduTests
{
    // PS3.8 9.3.2 (A-ASSOCIATE-RQ), 9.3.2.1 (application context), 9.3.2.2 (presentation context),
    // 9.3.2.3 + D.1 (maximum length) + D.3.3.2 (implementation class UID and version name).
    private static readonly byte[] EchoRequestBytes = Of(
        "01 00 000000AA",                       // PDU type 1, reserved, length 170
        "0001 0000",                            // protocol version 1, reserved
        Ae("ANY-SCP"), Ae("ECHOSCU"),           // called, calling
        Zeros(32),                              // reserved
        "10 00 0015", "a:1.2.840.10008.3.1.1.1", // application context item
        "20 00 002E", "01 00 00 00",            // presentation context item, id 1
        "30 00 0011", "a:1.2.840.10008.1.1",    //   abstract syntax: Verification
        "40 00 0011", "a:1.2.840.10008.1.2",    //   transfer syntax: implicit VR LE
        "50 00 0017",                           // user information item
        "51 00 0004 00004000",                  //   maximum length 16384
        "52 00 0005", "a:1.2.3",                //   implementation class UID
        "55 00 0002", "a:V1");                  //   implementation version name

    private static AssociateRequest EchoRequest() => new()
    {
        CalledAeTitle = "ANY-SCP",
        CallingAeTitle = "ECHOSCU",
        PresentationContexts = [new PresentationContextProposal(1, DicomNetworkUids.Verification, [DicomNetworkUids.ImplicitVrLittleEndian])],
        UserInformation = new UserInformation { MaxPduLength = 16384, ImplementationClassUid = "1.2.3", ImplementationVersionName = "V1" },
    };

    [Fact]
    public void AssociateRequest_Write_ProducesTheBytesOfPs38Section9_3_2()
    {
        var writer = new PduWriter();
        EchoRequest().Write(writer);

        Assert.Equal(Convert.ToHexString(EchoRequestBytes), Convert.ToHexString(writer.ToArray()));
    }

    [Fact]
    public void AssociateRequest_Read_NamesEveryField()
    {
        var request = AssociateRequest.Read(EchoRequestBytes.AsSpan(6));

        Assert.Equal(1, request.ProtocolVersion);
        Assert.Equal("ANY-SCP", request.CalledAeTitle);
        Assert.Equal("ECHOSCU", request.CallingAeTitle);
        Assert.Equal(DicomNetworkUids.ApplicationContext, request.ApplicationContextName);
        var context = Assert.Single(request.PresentationContexts);
        Assert.Equal(1, context.Id);
        Assert.Equal(DicomNetworkUids.Verification, context.AbstractSyntax);
        Assert.Equal([DicomNetworkUids.ImplicitVrLittleEndian], context.TransferSyntaxes);
        Assert.Equal(16384u, request.UserInformation.MaxPduLength);
        Assert.Equal("1.2.3", request.UserInformation.ImplementationClassUid);
        Assert.Equal("V1", request.UserInformation.ImplementationVersionName);
    }

    [Fact]
    public void AssociateRequest_RoundTrips_AsyncWindowAndRoleSelection()
    {
        var original = new AssociateRequest
        {
            CalledAeTitle = "ORTHANC",
            CallingAeTitle = "PORTAL",
            PresentationContexts =
            [
                new PresentationContextProposal(1, DicomNetworkUids.StudyRootGet, [DicomNetworkUids.ExplicitVrLittleEndian]),
                new PresentationContextProposal(3, "1.2.840.10008.5.1.4.1.1.2", [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian]),
            ],
            UserInformation = new UserInformation
            {
                MaxPduLength = 262144,
                AsyncOperationsWindow = new AsyncOperationsWindow(1, 1),
                RoleSelections = [new RoleSelection("1.2.840.10008.5.1.4.1.1.2", ScuRole: false, ScpRole: true)],
            },
        };
        var writer = new PduWriter();
        original.Write(writer);

        var read = AssociateRequest.Read(writer.WrittenSpan[6..]);

        Assert.Equal(2, read.PresentationContexts.Count);
        Assert.Equal(2, read.PresentationContexts[1].TransferSyntaxes.Count);
        Assert.Equal(new AsyncOperationsWindow(1, 1), read.UserInformation.AsyncOperationsWindow);
        Assert.Equal(new RoleSelection("1.2.840.10008.5.1.4.1.1.2", false, true), Assert.Single(read.UserInformation.RoleSelections));
        Assert.Equal(DicomNetworkUids.ImplementationClassUid, read.UserInformation.ImplementationClassUid);
    }

    [Fact]
    public void RoleSelection_IsWrittenAsPs37SectionD3_3_4()
    {
        var writer = new PduWriter();
        new UserInformation
        {
            MaxPduLength = 0,
            ImplementationClassUid = "1.2",
            ImplementationVersionName = null,
            RoleSelections = [new RoleSelection("1.2.3", ScuRole: false, ScpRole: true)],
        }.Write(writer);

        Assert.Equal(
            "5000001C" + "5100000400000000" + "52000003" + Convert.ToHexString("1.2"u8) + "54000009" + "0005" + Convert.ToHexString("1.2.3"u8) + "0001",
            Convert.ToHexString(writer.ToArray()));
    }

    [Fact]
    public void AssociateRequest_Read_SkipsUnknownItemsAndSubItems()
    {
        // PS3.8 9.3.1: items of unknown type are ignored. Here a 0x7F item after the application
        // context and a user identity sub-item 0x58 inside user information.
        var bytes = Of(
            "0001 0000", Ae("A"), Ae("B"), Zeros(32),
            "10 00 0015", "a:1.2.840.10008.3.1.1.1",
            "7F 00 0003 010203",
            "50 00 0019",
            "51 00 0004 00001000",
            "52 00 0003", "a:1.2",
            "58 00 0006 01 00 0002 6869");

        var request = AssociateRequest.Read(bytes);

        Assert.Empty(request.PresentationContexts);
        Assert.Equal(4096u, request.UserInformation.MaxPduLength);
    }

    [Fact]
    public void AssociateAccept_Write_ProducesTheBytesOfPs38Section9_3_3()
    {
        var accept = new AssociateAccept
        {
            CalledAeTitle = "ANY-SCP",
            CallingAeTitle = "ECHOSCU",
            PresentationContexts =
            [
                new PresentationContextAnswer(1, PresentationContextResult.Acceptance, DicomNetworkUids.ImplicitVrLittleEndian),
                new PresentationContextAnswer(3, PresentationContextResult.AbstractSyntaxNotSupported, DicomNetworkUids.ImplicitVrLittleEndian),
            ],
            UserInformation = new UserInformation { MaxPduLength = 0, ImplementationClassUid = "1.2", ImplementationVersionName = null },
        };
        var expected = Of(
            "02 00 000000AA",
            "0001 0000", Ae("ANY-SCP"), Ae("ECHOSCU"), Zeros(32),
            "10 00 0015", "a:1.2.840.10008.3.1.1.1",
            "21 00 0019", "01 00 00 00", "40 00 0011", "a:1.2.840.10008.1.2",
            "21 00 0019", "03 00 03 00", "40 00 0011", "a:1.2.840.10008.1.2",
            "50 00 000F", "51 00 0004 00000000", "52 00 0003", "a:1.2");
        var writer = new PduWriter();

        accept.Write(writer);

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(writer.ToArray()));
        var read = AssociateAccept.Read(expected.AsSpan(6));
        Assert.Equal(accept.PresentationContexts, read.PresentationContexts);
        Assert.Equal(0u, read.UserInformation.MaxPduLength);
    }

    [Fact]
    public void AssociateReject_RoundTripsPs38Section9_3_4()
    {
        var bytes = Of("03 00 00000004", "00 01 01 03");
        var writer = new PduWriter();

        new AssociateReject(RejectResult.Permanent, RejectSource.ServiceUser, (byte)RejectReason.CallingAeTitleNotRecognized).Write(writer);

        Assert.Equal(bytes, writer.ToArray());
        Assert.Equal(new AssociateReject(RejectResult.Permanent, RejectSource.ServiceUser, 3), AssociateReject.Read(bytes.AsSpan(6)));
    }

    [Fact]
    public void ReleaseAndAbort_ArePs38Sections9_3_6To9_3_8()
    {
        var writer = new PduWriter();
        ReleasePdu.Write(writer, PduType.ReleaseRequest);
        ReleasePdu.Write(writer, PduType.ReleaseResponse);
        new AbortPdu(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu).Write(writer);

        Assert.Equal("0500000000040000000006000000000400000000" + "070000000004" + "00000202", Convert.ToHexString(writer.ToArray()));
        Assert.Equal(new AbortPdu(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu), AbortPdu.Read(Convert.FromHexString("00000202")));
    }

    [Theory]
    [InlineData("0001 0000")]                                           // truncated fixed part
    [InlineData("0001 0000 {AE} 00")]                                    // truncated reserved
    [InlineData("0001 0000 {AE} {Z32} 10 00 0015 312E32")]              // item longer than what remains
    [InlineData("0001 0000 {AE} {Z32} 10 00 FFFF")]                      // item length near 64 KiB, nothing behind
    [InlineData("0001 0000 {AE} {Z32} 10 00 0003 312E32 20 00 0004 01000000 50 00 0008 5100000400001000")] // context without syntaxes
    [InlineData("0001 0000 {AE} {Z32} 10 00 0003 312E32 50 00 0006 51000004 0000")] // max length sub-item cut short
    public void AssociateRequest_Read_RefusesInconsistentLengths(string hex)
    {
        var bytes = Convert.FromHexString(hex
            .Replace("{AE}", Convert.ToHexString(PduBytes.Of(Ae("A"), Ae("B"))))
            .Replace("{Z32}", PduBytes.Zeros(32))
            .Replace(" ", string.Empty));

        Assert.Throws<DicomProtocolException>(() => AssociateRequest.Read(bytes));
    }
}
