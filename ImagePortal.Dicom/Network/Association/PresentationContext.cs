using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Dicom.Network.Association;

/// <summary>
/// What a requestor wants to propose: one abstract syntax with the transfer syntaxes it can send, and
/// optionally an SCP/SCU role selection (PS3.7 D.3.3.4), which C-GET needs for the storage SOP
/// classes it wants back.
/// </summary>
public sealed record PresentationContextRequest(string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes)
{
    public RoleSelection? Role { get; init; }

    public static PresentationContextRequest Verification() =>
        new(DicomNetworkUids.Verification, [DicomNetworkUids.ImplicitVrLittleEndian]);
}

/// <summary>A negotiated presentation context (PS3.8 7.1.1.13): the peer's answer to one proposal.</summary>
public sealed record PresentationContext(byte Id, string AbstractSyntax, string TransferSyntax, PresentationContextResult Result)
{
    public bool IsAccepted => Result == PresentationContextResult.Acceptance;

    public override string ToString() =>
        IsAccepted ? $"[{Id}] {AbstractSyntax} as {TransferSyntax}" : $"[{Id}] {AbstractSyntax} rejected ({Result})";
}
