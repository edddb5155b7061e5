using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Tests.Domain.Facilities;

public sealed class AgreementTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Requesting = Guid.CreateVersion7();
    private static readonly Guid Source = Guid.CreateVersion7();

    [Fact]
    public void AFacilityCannotAgreeWithItself() =>
        Assert.Throws<DomainException>(() => new Agreement(Requesting, Requesting, AgreementType.ManualRequest, Now));

    [Fact]
    public void ValidityMustEndAfterItStarts() =>
        Assert.Throws<DomainException>(() => new Agreement(Requesting, Source, AgreementType.ManualRequest, Now, Now));

    [Fact]
    public void IsActive_OnlyWithinValidity_AndNotWhileSuspended()
    {
        var agreement = new Agreement(Requesting, Source, AgreementType.ManualRequest, Now, Now.AddDays(30));

        Assert.False(agreement.IsActiveAt(Now.AddTicks(-1)));
        Assert.True(agreement.IsActiveAt(Now));
        Assert.True(agreement.IsActiveAt(Now.AddDays(30).AddTicks(-1)));
        Assert.False(agreement.IsActiveAt(Now.AddDays(30)));

        agreement.Suspend();
        Assert.False(agreement.IsActiveAt(Now.AddDays(1)));
        agreement.Resume();
        Assert.True(agreement.IsActiveAt(Now.AddDays(1)));
    }

    [Fact]
    public void DirectRetrieve_IsCoveredOnlyWithinModalityAndAgeScope()
    {
        var agreement = new Agreement(Requesting, Source, AgreementType.DirectQueryRetrieve, Now.AddDays(-1));
        agreement.SetScope(["ct", "MG"], maxStudyAgeDays: 365);
        var today = DateOnly.FromDateTime(Now.UtcDateTime);

        Assert.True(agreement.CoversDirectRetrieve("CT", today.AddDays(-10), Now));
        Assert.True(agreement.CoversDirectRetrieve("mg", today.AddDays(-365), Now));
        Assert.False(agreement.CoversDirectRetrieve("MR", today, Now));
        Assert.False(agreement.CoversDirectRetrieve("CT", today.AddDays(-366), Now));
        Assert.False(agreement.CoversDirectRetrieve("CT", null, Now));
        Assert.Equal(["CT", "MG"], agreement.Modalities);
    }

    [Fact]
    public void ManualAgreement_NeverCoversDirectRetrieve()
    {
        var agreement = new Agreement(Requesting, Source, AgreementType.ManualRequest, Now.AddDays(-1));

        Assert.False(agreement.CoversDirectRetrieve("CT", DateOnly.FromDateTime(Now.UtcDateTime), Now));
    }

    [Theory]
    [InlineData("C T")]
    [InlineData("CT\\MR")]
    [InlineData("<script>")]
    public void Scope_RefusesValuesThatAreNotModalityCodes(string modality)
    {
        var agreement = new Agreement(Requesting, Source, AgreementType.DirectQueryRetrieve, Now);

        Assert.Throws<DomainException>(() => agreement.SetScope([modality], null));
    }

    [Fact]
    public void NoAgreementNoRequest_OnlyAnActiveAgreementInThatDirection_ToAnActiveFacility_PermitsOne()
    {
        var source = new Facility("St Brigid's Regional", "SBR", "Southmoor", "SBR-MRN", "Europe/Dublin");
        var manual = new Agreement(Requesting, source.Id, AgreementType.ManualRequest, Now.AddDays(-1), Now.AddDays(30));
        var direct = new Agreement(Requesting, source.Id, AgreementType.DirectQueryRetrieve, Now.AddDays(-1));
        var otherWay = new Agreement(source.Id, Requesting, AgreementType.ManualRequest, Now.AddDays(-1));

        Assert.True(Agreement.PermitsRequest([manual], Requesting, source, Now));
        Assert.True(Agreement.PermitsRequest([direct], Requesting, source, Now), "A direct agreement lets a clerk ask too.");
        Assert.False(Agreement.PermitsRequest([], Requesting, source, Now));
        Assert.False(Agreement.PermitsRequest([otherWay], Requesting, source, Now));
        Assert.False(Agreement.PermitsRequest([manual], Requesting, source, Now.AddDays(30)));
        Assert.False(Agreement.PermitsRequest([manual], Requesting, null, Now));

        manual.Suspend();
        Assert.False(Agreement.PermitsRequest([manual], Requesting, source, Now));
        manual.Resume();
        source.Deactivate();
        Assert.False(Agreement.PermitsRequest([manual], Requesting, source, Now));
    }

    [Fact]
    public void TheValidatorsRules_AreTheEntitysRules_InTheSameWords()
    {
        Assert.True(Agreement.EndsAfterItStarts(Now, null));
        Assert.True(Agreement.EndsAfterItStarts(Now, Now.AddTicks(1)));
        Assert.False(Agreement.EndsAfterItStarts(Now, Now));
        Assert.True(Agreement.IsStudyAge(null));
        Assert.True(Agreement.IsStudyAge(1));
        Assert.False(Agreement.IsStudyAge(0));

        var agreement = new Agreement(Requesting, Source, AgreementType.ManualRequest, Now);
        Assert.Equal(Agreement.EndsBeforeItStarts, Assert.Throws<DomainException>(() => agreement.SetValidity(Now, Now)).Message);
        Assert.Equal(Agreement.StudyAgeUnderADay, Assert.Throws<DomainException>(() => agreement.SetScope([], 0)).Message);
        Assert.Equal(Agreement.UnknownType, Assert.Throws<DomainException>(() => agreement.SetType((AgreementType)7)).Message);
        Assert.Equal(Agreement.WithItself, Assert.Throws<DomainException>(() => new Agreement(Source, Source, AgreementType.ManualRequest, Now)).Message);
    }
}
