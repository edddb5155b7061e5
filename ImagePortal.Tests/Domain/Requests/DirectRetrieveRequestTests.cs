using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Tests.Domain.Requests;

/// <summary>A request filed and approved in one step by a direct query &amp; retrieve agreement.</summary>
public sealed class DirectRetrieveRequestTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    private static ImageRequest Retrieve(params RequestedStudy[] studies) => ImageRequest.RetrieveUnderAgreement(
        "REQ-2026-000009", Guid.CreateVersion7(), Guid.CreateVersion7(),
        new PatientDetails("Walsh", "Tomás", new DateOnly(1950, 2, 3), PatientSex.Male, "LIC-9", "NVH-9"),
        new RequestScope(["CT"], null, null, null, null), "Compare.", RequestPriority.Routine, Now.AddDays(2), "clerk-1", studies, Now);

    private static RequestedStudy Study(string uid) => new(uid, new DateOnly(2025, 1, 1), "CT", "CT HEAD", null, 100, new SourcePatient("LIC-9", null, null, null));

    [Fact]
    public void ItIsApprovedAtOnce_ByTheAgreement_NotByAPerson()
    {
        var request = Retrieve(Study("1.2.3.1"), Study("1.2.3.2"));

        Assert.Equal(RequestStatus.Approved, request.Status);
        Assert.Null(request.DecidedByUserId);
        Assert.Equal(Now, request.DecidedAt);
        Assert.Equal([RequestEventKind.Submitted, RequestEventKind.ApprovedByAgreement], request.Events.Select(e => e.Kind));
        Assert.Equal(2, request.Studies.Count);

        // From here it follows the approved path: a worker starts retrieving.
        request.StartRetrieval(Now.AddMinutes(1));
        Assert.Equal(RequestStatus.Retrieving, request.Status);
    }

    [Fact]
    public void EachEvent_IsLaterThanTheOneBefore_EvenWhenRecordedAtOneInstant_OrAfterTheClockSteppedBack()
    {
        var request = Retrieve(Study("1.2.3.1"));
        request.StartRetrieval(Now);
        request.CompleteRetrieval(1, 0, Now);
        request.AddComment("clerk-1", "Thanks.", Now.AddMinutes(-5));

        var times = request.Events.Select(e => e.At).ToList();
        Assert.Equal(Now, times[0]);
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"{pair.Second:O} is not after {pair.First:O}"));
        Assert.True(times[^1] - times[0] < TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void NoStudy_OrTheSameStudyTwice_IsRefused()
    {
        Assert.Throws<DomainException>(() => Retrieve());
        Assert.Throws<DomainException>(() => Retrieve(Study("1.2.3.1"), Study("1.2.3.1")));
    }
}
