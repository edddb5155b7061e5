using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Tests.Network.Association;

public sealed class NegotiationTests
{
    private const string Ct = "1.2.840.10008.5.1.4.1.1.2";
    private const string Jpeg2000 = "1.2.840.10008.1.2.4.91";

    [Fact]
    public void AnswerProposals_SeveralContextsForOneAbstractSyntax_EachAnsweredOnItsOwn()
    {
        var request = Request(
            new PresentationContextProposal(1, Ct, [Jpeg2000]),
            new PresentationContextProposal(3, Ct, [DicomNetworkUids.ExplicitVrLittleEndian]),
            new PresentationContextProposal(5, Ct, [DicomNetworkUids.ImplicitVrLittleEndian]));

        var answers = DicomAssociation.AnswerProposals(request, _ => [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian]);

        Assert.Equal(
            [
                new PresentationContextAnswer(1, PresentationContextResult.TransferSyntaxesNotSupported, Jpeg2000),
                new PresentationContextAnswer(3, PresentationContextResult.Acceptance, DicomNetworkUids.ExplicitVrLittleEndian),
                new PresentationContextAnswer(5, PresentationContextResult.Acceptance, DicomNetworkUids.ImplicitVrLittleEndian),
            ],
            answers);
    }

    [Fact]
    public void AnswerProposals_AcceptorsPreferenceWins_AndWildcardTakesTheRequestorsFirst()
    {
        var request = Request(new PresentationContextProposal(1, Ct, [DicomNetworkUids.ImplicitVrLittleEndian, DicomNetworkUids.ExplicitVrLittleEndian, Jpeg2000]));

        var preferred = DicomAssociation.AnswerProposals(request, _ => [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian]);
        var any = DicomAssociation.AnswerProposals(request, _ => ["*"]);

        Assert.Equal(DicomNetworkUids.ExplicitVrLittleEndian, Assert.Single(preferred).TransferSyntax);
        Assert.Equal(DicomNetworkUids.ImplicitVrLittleEndian, Assert.Single(any).TransferSyntax);
    }

    [Fact]
    public void AnswerProposals_UnknownAbstractSyntax_EvenOrDuplicateIds_AreRejected()
    {
        var request = Request(
            new PresentationContextProposal(1, "1.2.3.4", [DicomNetworkUids.ImplicitVrLittleEndian]),
            new PresentationContextProposal(2, Ct, [DicomNetworkUids.ImplicitVrLittleEndian]),
            new PresentationContextProposal(3, Ct, [DicomNetworkUids.ImplicitVrLittleEndian]),
            new PresentationContextProposal(3, Ct, [DicomNetworkUids.ImplicitVrLittleEndian]));

        var answers = DicomAssociation.AnswerProposals(request, uid => uid == Ct ? ["*"] : null);

        Assert.Equal(
            [PresentationContextResult.AbstractSyntaxNotSupported, PresentationContextResult.NoReason, PresentationContextResult.Acceptance, PresentationContextResult.NoReason],
            answers.Select(a => a.Result));
    }

    private static AssociateRequest Request(params PresentationContextProposal[] contexts) => new()
    {
        CalledAeTitle = "SCP",
        CallingAeTitle = "SCU",
        PresentationContexts = contexts,
        UserInformation = new UserInformation { MaxPduLength = 16384 },
    };
}
