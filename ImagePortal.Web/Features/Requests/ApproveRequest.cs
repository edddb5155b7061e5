using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// The approver who claimed the request approves the studies they picked from their PACS; the retrieval job is queued
/// in the same transaction, so an approval never exists without its job, nor a job without its approval.
/// </summary>
[AuthorizeMessage(Roles.Approver)]
public sealed record ApproveRequest(string Number, Guid Version, IReadOnlyList<ApprovedStudy> Studies) : ICommand<Result>;

/// <param name="Patient">The patient the study belongs to in the approver's PACS, as its C-FIND answered: only this patient's instances are imported.</param>
public sealed record ApprovedStudy(
    string StudyInstanceUid, DateOnly? StudyDate, string Modalities, string? Description, string? AccessionNumber, int? Instances, SourcePatient Patient)
{
    public static ApprovedStudy From(StudyMatch match) => new(
        match.StudyInstanceUid, match.StudyDate, match.Modalities, match.Description, match.AccessionNumber, match.Instances, match.SourcePatient);
}

public sealed class ApproveRequestValidator : IValidator<ApproveRequest>
{
    public const int MaxStudies = 50;

    public IEnumerable<string> Validate(ApproveRequest message)
    {
        if (message.Studies.Count == 0)
        {
            yield return ImageRequest.NoStudyToApprove;
        }

        if (message.Studies.Count > MaxStudies)
        {
            yield return $"Approve at most {MaxStudies} studies in one request.";
        }

        // A forged event without the patient would let the worker import whoever the source names first.
        if (message.Studies.Any(s => s.Patient is null))
        {
            yield return "Each approved study must name its patient as your PACS holds it: pick the studies from the PACS look-up.";
        }
    }
}

public sealed class ApproveRequestHandler(RequestChanges changes, ICurrentUser user, RetrievalSignal signal) : ICommandHandler<ApproveRequest, Result>
{
    public async ValueTask<Result> Handle(ApproveRequest command, CancellationToken cancellationToken)
    {
        var result = await changes.ApplyAsync(command.Number, command.Version, RequestSide.Source, (request, now) =>
        {
            var studies = command.Studies
                .Select(s => new RequestedStudy(s.StudyInstanceUid, s.StudyDate, s.Modalities, s.Description, s.AccessionNumber, s.Instances, s.Patient))
                .ToList();
            request.Approve(user.UserId!, studies, now);
        }, cancellationToken, alongside: (db, request, now) => db.RetrievalJobs.Add(RetrievalJob.For(request, now)));
        if (result.IsSuccess)
        {
            // Workers in this process look at the queue now instead of at their next poll.
            signal.Pulse();
        }

        return result;
    }
}
