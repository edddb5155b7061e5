using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;

namespace ImagePortal.Tests.Domain.Requests;

/// <summary>How the end of a retrieval job ends its request (<see cref="ImageRequest.EndRetrieval"/>).</summary>
public sealed class EndRetrievalTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(RetrievalJobState.Succeeded, 10, 0, RequestStatus.Completed, RequestEventKind.Completed)]
    [InlineData(RetrievalJobState.PartiallySucceeded, 8, 2, RequestStatus.PartiallyCompleted, RequestEventKind.PartiallyCompleted)]
    [InlineData(RetrievalJobState.Failed, 0, 3, RequestStatus.Failed, RequestEventKind.Failed)]
    [InlineData(RetrievalJobState.Failed, 0, 0, RequestStatus.Failed, RequestEventKind.Failed)]
    [InlineData(RetrievalJobState.Failed, 4, 6, RequestStatus.PartiallyCompleted, RequestEventKind.PartiallyCompleted)]
    [InlineData(RetrievalJobState.Cancelled, 3, 0, RequestStatus.Completed, RequestEventKind.Completed)]
    [InlineData(RetrievalJobState.Cancelled, 0, 2, RequestStatus.Failed, RequestEventKind.Failed)]
    public void TheJobsEnd_EndsTheRequest_ByHowItEndedAndItsCounts(
        RetrievalJobState job, int imported, int failed, RequestStatus status, RequestEventKind kind)
    {
        var request = Retrieving();

        var ended = request.EndRetrieval(job, imported, failed, "The detail.", Now.AddMinutes(5));

        Assert.Equal(kind, ended);
        Assert.Equal(status, request.Status);
        Assert.Equal(kind, request.Events[^1].Kind);
        Assert.Equal(status == RequestStatus.Failed ? null : request.Events[^1].At, request.CompletedAt);
    }

    [Fact]
    public void AFailureWithoutImages_TellsTheJobsDetail()
    {
        var request = Retrieving();

        request.EndRetrieval(RetrievalJobState.Failed, 0, 0, "The source refused the association.", Now);

        Assert.Equal("The source refused the association.", request.Events[^1].Text);
    }

    [Fact]
    public void AJobThatEndedBeforeItStarted_MarksTheRequestRetrievingFirst()
    {
        var request = Approved();

        request.EndRetrieval(RetrievalJobState.Failed, 0, 0, "No association.", Now);

        Assert.Equal([RequestEventKind.RetrievalStarted, RequestEventKind.Failed], request.Events.TakeLast(2).Select(e => e.Kind));
        Assert.Equal(RequestStatus.Failed, request.Status);
    }

    [Fact]
    public void ARequestThatEndedAlready_IsLeftAsItWas()
    {
        var request = Retrieving();
        request.CompleteRetrieval(10, 0, Now);
        var version = request.Version;
        var events = request.Events.Count;

        var ended = request.EndRetrieval(RetrievalJobState.Failed, 0, 10, "Too late.", Now.AddMinutes(1));

        Assert.Null(ended);
        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(version, request.Version);
        Assert.Equal(events, request.Events.Count);
    }

    private static ImageRequest Approved()
    {
        var request = RequestRulesTests.Submit(new RequestScope(["CT"], null, null, null, null));
        request.Claim("approver-1", Now);
        request.Approve("approver-1", [RequestRulesTests.Study()], Now);
        return request;
    }

    private static ImageRequest Retrieving()
    {
        var request = Approved();
        request.StartRetrieval(Now);
        return request;
    }
}
