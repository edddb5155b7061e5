using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Tests.Domain.Common;

/// <summary>One rule for a modality code, asked by the request's scope, the agreement's scope and the look-ups' validators.</summary>
public sealed class ModalityCodeTests
{
    [Theory]
    [InlineData("CT", true)]
    [InlineData("MR", true)]
    [InlineData("RT_PLAN_2", true)]
    [InlineData("ABCDEFGHIJKLMNOP", true)]
    [InlineData("ABCDEFGHIJKLMNOPQ", false)]
    [InlineData("", false)]
    [InlineData("ct", false)]
    [InlineData("C T", false)]
    [InlineData("CT\\MR", false)]
    [InlineData("CT*", false)]
    public void ACodeIsUpperCaseLettersDigitsAndUnderscore_SixteenAtMost(string code, bool valid) =>
        Assert.Equal(valid, ModalityCode.IsValid(code));

    [Fact]
    public void TheRequestScope_RefusesWhatTheRuleRefuses_WithItsWords()
    {
        var refused = Assert.Throws<DomainException>(() => new RequestScope(["C*T"], null, null, null, null));

        Assert.Equal(ModalityCode.NotAModalityCode, refused.Message);
        Assert.Equal(["CT", "MR"], new RequestScope([" mr ", "ct", "CT"], null, null, null, null).Modalities);
    }

    [Fact]
    public void TheAgreementScope_RefusesWhatTheRuleRefuses()
    {
        var agreement = new Agreement(Guid.CreateVersion7(), Guid.CreateVersion7(), AgreementType.DirectQueryRetrieve, DateTimeOffset.UnixEpoch);

        Assert.Throws<DomainException>(() => agreement.SetScope(["C*T"], null));
        agreement.SetScope(["ct"], null);
        Assert.Equal(["CT"], agreement.Modalities);
    }
}
