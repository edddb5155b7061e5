using System.Net;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Viewing;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The viewer page's head start (ViewerHeadStart): the prerendered page asks the PACS (a real Orthanc) for what its early
/// script will ask first (the series, the opened series' instances, its middle image, then the rest of the series), and
/// the script's calls take those answers, each once, instead of asking again; only for a user who may view the study.
/// </summary>
public sealed class ViewerHeadStartTests(DicomWebFixture fixture) : IClassFixture<DicomWebFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PacsQueries Queries => fixture.App.Services.GetRequiredService<PacsQueries>();

    private InstanceFetcher Fetcher => fixture.App.Services.GetRequiredService<InstanceFetcher>();

    private string Study => fixture.Study.StudyInstanceUid;

    private static string Base => $"/dicomweb/requests/{DicomWebFixture.Approved}";

    [Fact]
    public async Task TheViewerPage_AsksThePacsAhead_AndThePagesOwnCalls_TakeThoseAnswers_EachOnce()
    {
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var (asked, retrieves) = (Queries.Asked, Fetcher.Retrieves);

        using var page = await approver.GetAsync($"/requests/{DicomWebFixture.Approved}/viewer?study={Study}", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("data-viewer-early", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // The series, then the first series' instances, then its middle image (the second of three) fetched into the cache,
        // then the rest of the series.
        var series = fixture.Study.SeriesInstanceUids[0];
        var middle = fixture.Study.SopInstanceUids[1];
        await Poll.UntilAsync(() => Task.FromResult(Queries.Asked == asked + 2 && Fetcher.Retrieves == retrieves + 2), TimeSpan.FromSeconds(20),
            () => Task.FromResult($"C-FINDs {Queries.Asked - asked}, retrieves {Fetcher.Retrieves - retrieves}"));

        // The page's calls, in early.js' order: answered from the head start, none asked of the PACS again.
        foreach (var call in new[] { $"{Base}/studies/{Study}/series", $"{Base}/studies/{Study}/series/{series}/instances", $"{Base}/studies/{Study}/series/{series}/instances/{middle}/metadata" })
        {
            using var answer = await approver.GetAsync(call, Ct);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{call}: {(int)answer.StatusCode}");
            Assert.Contains(call.Contains("/instances", StringComparison.Ordinal) ? middle : series, await answer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        Assert.Equal(asked + 2, Queries.Asked);
        Assert.Equal(retrieves + 2, Fetcher.Retrieves);

        // The series' metadata (its own C-FIND): every instance is in the cache already, none retrieved again.
        using var metadata = await approver.GetAsync($"{Base}/studies/{Study}/series/{series}/metadata", Ct);
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        var json = await metadata.Content.ReadAsStringAsync(Ct);
        Assert.All(fixture.Study.SopInstanceUids.Take(3), sop => Assert.Contains(sop, json, StringComparison.Ordinal));
        Assert.Equal(retrieves + 2, Fetcher.Retrieves);
        Assert.Equal(asked + 3, Queries.Asked);

        // Each kept answer is given once: the same call again asks the PACS.
        using var again = await approver.GetAsync($"{Base}/studies/{Study}/series", Ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(asked + 4, Queries.Asked);
    }

    [Fact]
    public async Task NoHeadStart_ForAUserOfAnotherFacility_NorForAStudyTheRequestDoesNotHold()
    {
        using var otherFacility = await fixture.SignedInAsync(DemoUsers.ApproverNvh);
        using var approver = await fixture.SignedInAsync(DemoUsers.ApproverSbr);
        var asked = Queries.Asked;

        using var refused = await otherFacility.GetAsync($"/requests/{DicomWebFixture.Approved}/viewer?study={Study}", Ct);
        using var forged = await approver.GetAsync($"/requests/{DicomWebFixture.Approved}/viewer?study=1.2.826.0.1.3680043.2.1143.999", Ct);
        Assert.DoesNotContain("data-viewer-early", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, forged.StatusCode);

        // A head start the approver may have, started after those two pages: once its two C-FINDs are counted, any the
        // refused pages had started would be too.
        var retrieves = Fetcher.Retrieves;
        using var allowed = await approver.GetAsync($"/requests/{DicomWebFixture.Other}/viewer?study={fixture.OtherStudy.StudyInstanceUid}", Ct);
        Assert.Contains("data-viewer-early", await allowed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        // Its middle image, then the rest of its one-instance series: nothing left to fetch, so one retrieve.
        await Poll.UntilAsync(() => Task.FromResult(Queries.Asked >= asked + 2 && Fetcher.Retrieves > retrieves), TimeSpan.FromSeconds(20));
        Assert.Equal(asked + 2, Queries.Asked);
        Assert.Equal(retrieves + 1, Fetcher.Retrieves);
    }
}
