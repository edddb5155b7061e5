using ImagePortal.Domain.Requests;

namespace ImagePortal.Tests.Domain.Requests;

/// <summary>The rules of filing a request that are not transitions: its number, and when a new request asks again for what an earlier one asks.</summary>
public sealed class RequestRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheFirstNumberOfAYear_IsOne_AndEachNextIsOneMore()
    {
        Assert.Equal("REQ-2026-", RequestNumber.PrefixFor(Now));
        Assert.Equal("REQ-2026-000001", RequestNumber.Next(null, Now));
        Assert.Equal("REQ-2026-000124", RequestNumber.Next("REQ-2026-000123", Now));
        Assert.Equal("REQ-2026-1000000", RequestNumber.Next("REQ-2026-999999", Now));
    }

    [Fact]
    public void TheYearOfANumber_IsTheUtcYear_NotTheLocalOne()
    {
        var newYearsEveInUtc = new DateTimeOffset(2027, 1, 1, 0, 30, 0, TimeSpan.FromHours(1));

        Assert.Equal("REQ-2026-000001", RequestNumber.Next(null, newYearsEveInUtc));
    }

    [Theory]
    [InlineData(new[] { "CT" }, new[] { "CT", "MR" }, true)]
    [InlineData(new[] { "CT" }, new[] { "MR" }, false)]
    [InlineData(new string[0], new[] { "MR" }, true)]
    [InlineData(new[] { "MR" }, new string[0], true)]
    public void ScopesOverlap_WhenTheyShareAModality_OrEitherAsksForAny(string[] one, string[] other, bool overlap)
    {
        Assert.Equal(overlap, Scope(one).Overlaps(Scope(other)));
        Assert.Equal(overlap, Scope(other).Overlaps(Scope(one)));
    }

    [Theory]
    [InlineData("2024-01-01", "2024-06-30", "2024-06-30", null, true)]
    [InlineData("2024-01-01", "2024-06-30", "2024-07-01", null, false)]
    [InlineData(null, "2024-06-30", null, "2020-01-01", true)]
    [InlineData("2025-01-01", null, null, "2024-12-31", false)]
    [InlineData(null, null, "2030-01-01", "2030-01-02", true)]
    public void ScopesOverlap_WhenTheirStudyDatesMeet_AMissingBoundBeingOpen(string? fromA, string? toA, string? fromB, string? toB, bool overlap)
    {
        var a = Scope(["CT"], fromA, toA);
        var b = Scope(["CT"], fromB, toB);

        Assert.Equal(overlap, a.Overlaps(b));
        Assert.Equal(overlap, b.Overlaps(a));
    }

    [Fact]
    public void DescriptionAndAccession_DoNotMakeScopesDiffer()
    {
        var chest = new RequestScope(["CT"], null, null, "Chest", "A1");
        var thorax = new RequestScope(["CT"], null, null, "Thorax", "B2");

        Assert.True(chest.Overlaps(thorax));
    }

    [Fact]
    public void ARequestAsksAgainFor_AnOverlappingScope_WhileItHasNotEndedWithoutImages()
    {
        var request = Submit(Scope(["CT"], "2024-01-01", null));

        Assert.True(request.AsksAgainFor(Scope(["CT", "MR"])));
        Assert.False(request.AsksAgainFor(Scope(["MR"])));
        Assert.False(request.AsksAgainFor(Scope(["CT"], null, "2023-12-31")));

        request.Claim("approver-1", Now);
        request.Approve("approver-1", [Study()], Now);
        request.StartRetrieval(Now);
        request.CompleteRetrieval(10, 0, Now);
        Assert.True(request.AsksAgainFor(Scope(["CT"])), "A completed request brought the images: asking again is a duplicate.");
    }

    [Theory]
    [InlineData(RequestStatus.Denied)]
    [InlineData(RequestStatus.Cancelled)]
    [InlineData(RequestStatus.Expired)]
    [InlineData(RequestStatus.Failed)]
    public void ARequestThatEndedWithoutImages_IsAskedAgainWithoutDuplicating(RequestStatus ended)
    {
        var request = Submit(Scope(["CT"]));
        switch (ended)
        {
            case RequestStatus.Denied:
                request.Claim("approver-1", Now);
                request.Deny("approver-1", DenialReason.PatientNotFound, null, Now);
                break;
            case RequestStatus.Cancelled:
                request.Cancel("clerk-1", Now);
                break;
            case RequestStatus.Expired:
                request.Expire(Now.AddDays(3));
                break;
            default:
                request.Claim("approver-1", Now);
                request.Approve("approver-1", [Study()], Now);
                request.StartRetrieval(Now);
                request.FailRetrieval("The source refused the association.", Now);
                break;
        }

        Assert.Equal(ended, request.Status);
        Assert.Contains(ended, ImageRequest.EndedWithoutImages);
        Assert.False(request.AsksAgainFor(Scope(["CT"])));
    }

    [Fact]
    public void ARequestsScope_IsWhatTheClerkAskedFor()
    {
        var asked = new RequestScope(["mr", "CT"], new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31), "Chest", "A123");

        var scope = Submit(asked).Scope;

        Assert.Equal(["CT", "MR"], scope.Modalities);
        Assert.Equal((asked.From, asked.To, asked.Description, asked.AccessionNumber), (scope.From, scope.To, scope.Description, scope.AccessionNumber));
    }

    internal static ImageRequest Submit(RequestScope scope) => ImageRequest.Submit(
        "REQ-2026-000001", Guid.CreateVersion7(), Guid.CreateVersion7(),
        new PatientDetails("Walsh", "Tomás", new DateOnly(1950, 2, 3), PatientSex.Male, null, "NVH-9"),
        scope, "Compare.", RequestPriority.Routine, Now.AddDays(2), "clerk-1", Now);

    internal static RequestedStudy Study() =>
        new("1.2.3.1", new DateOnly(2024, 3, 1), "CT", "CT CHEST", null, 10, new SourcePatient("LIC-9", null, null, null));

    private static RequestScope Scope(string[] modalities, string? from = null, string? to = null) =>
        new(modalities, from is null ? null : DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture),
            to is null ? null : DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture), null, null);
}
