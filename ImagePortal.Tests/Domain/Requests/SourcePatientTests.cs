using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Tests.Domain.Requests;

public sealed class SourcePatientTests
{
    [Theory]
    [InlineData("SBR-77120", null, true)]
    [InlineData("SBR-77120", "SBR-MRN", true)]
    [InlineData(" SBR-77120 ", "", true)]
    [InlineData("SBR-77120", "RCH-MRN", false)]
    [InlineData("SBR-7712", "SBR-MRN", false)]
    [InlineData("sbr-77120", null, false)]
    [InlineData("", null, false)]
    [InlineData(null, null, false)]
    public void Matches_TheSamePatientId_AndTheSameIssuerWhereBothNameOne(string? patientId, string? issuer, bool matches) =>
        Assert.Equal(matches, new SourcePatient("SBR-77120", "SBR-MRN", "Müller^Jürgen", null).Matches(patientId, issuer));

    [Fact]
    public void AnEmptyPatientId_IsAnIdentityToo_ThatOnlyAnEmptyIdMatches()
    {
        var nobody = new SourcePatient(null, null, null, null);

        Assert.True(nobody.Matches("", null));
        Assert.False(nobody.Matches("SBR-1", null));
    }

    [Fact]
    public void AValueNoDicomPatientIdCanHave_IsRefused() =>
        Assert.Throws<DomainException>(() => new SourcePatient(new string('7', 65), null, null, null));
}
