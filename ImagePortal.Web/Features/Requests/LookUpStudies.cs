using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// The approver looks the requested patient up in their own facility's PACS (C-FIND at study level): by MRN, by
/// accession number, by name with wildcards, by a whole or partial birth date, within a date range and modalities
/// (<see cref="LookUpKeys"/> says how each becomes a matching key). The answer groups the studies by patient, so the
/// approver picks the patient before the studies.
/// </summary>
/// <param name="BirthDate">As typed: a day (1958-03-12), a month (1958-03) or a year (1958).</param>
[AuthorizeMessage(Roles.Approver)]
public sealed record LookUpStudies(
    string Number, string? PatientId, string? PatientName, string? BirthDate, DateOnly? From, DateOnly? To,
    IReadOnlyList<string> Modalities, string? AccessionNumber = null) : IQuery<Result<PacsLookUp>>;

/// <param name="Patients">The patients the studies belong to, in the order the PACS first named them.</param>
/// <param name="Truncated">The PACS had more matching studies than the portal shows; the search should be narrowed.</param>
public sealed record PacsLookUp(IReadOnlyList<StudyMatch> Studies, bool Truncated, IReadOnlyList<PatientCandidate> Patients)
{
    public IEnumerable<StudyMatch> StudiesOf(PatientCandidate patient) => Studies.Where(patient.Owns);
}

public sealed class LookUpStudiesValidator : IValidator<LookUpStudies>
{
    public IEnumerable<string> Validate(LookUpStudies message) => LookUpKeys.Problems(message);
}

public sealed class LookUpStudiesHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, RequestAccess access, IPacsGateway pacs, IAuditTrail audit, ICurrentUser user,
    Viewing.ViewingGrants viewing)
    : IQueryHandler<LookUpStudies, Result<PacsLookUp>>
{
    public async ValueTask<Result<PacsLookUp>> Handle(LookUpStudies query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = await access.FindAsync(db, query.Number, RequestSide.Source, cancellationToken);
        if (request is null)
        {
            return Result<PacsLookUp>.NotFound(RequestAccess.NotFoundMessage);
        }

        // The look-up is the first step of approving: on a request this approver cannot approve (decided, closed, or
        // claimed by a colleague) it would only read patient data for nothing.
        if (!request.Allows(RequestAction.Approve, RequestActor.Approver, user.UserId))
        {
            return Result<PacsLookUp>.Invalid(
                $"Request {request.Number} is {ImageRequest.Describe(request.Status)}: only the approver who claimed it looks up its studies, before deciding.");
        }

        var nodes = await db.DicomNodes.AsNoTracking().Where(n => n.FacilityId == request.SourceFacilityId).ToListAsync(cancellationToken);
        var node = NodeChoice.ForQueries(nodes);
        if (node is null)
        {
            return Result<PacsLookUp>.Fail(FailureKind.Unavailable, "Your facility has no DICOM node that answers queries. Ask your administrator to add one.");
        }

        var studyQuery = LookUpKeys.Query(query);
        var keys = $"PatientID={studyQuery.PatientId}; PatientName={studyQuery.PatientName}; BirthDate={studyQuery.BirthDates?.ToDicom()}; " +
                   $"AccessionNumber={studyQuery.AccessionNumber}; StudyDate={PacsGateway.DateRange(query.From, query.To)}; " +
                   $"Modalities={string.Join('\\', query.Modalities)}";
        try
        {
            var search = await pacs.FindStudiesAsync(node, studyQuery, cancellationToken);
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.Success,
                    $"{node.SearchLabel} for request {request.Number}: {Labels.Count(search.Studies.Count, "match")}{(search.Truncated ? " (capped)" : "")}; {keys}",
                    request.Patient.LocalMrn, request.Number),
                cancellationToken);
            // What the look-up found, the approver may look at before deciding (the DICOMweb service's scope).
            viewing.Record(user.UserId!, request.Number, search.Studies.Select(s => (s.StudyInstanceUid, s.PatientId)));
            return new PacsLookUp(search.Studies, search.Truncated, PatientCandidate.Of(search.Studies));
        }
        catch (PacsUnavailableException error)
        {
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.SeriousFailure,
                    $"{node.SearchLabel} for request {request.Number} failed: {error.Message}", request.Patient.LocalMrn, request.Number),
                cancellationToken);
            return Result<PacsLookUp>.Fail(FailureKind.Unavailable, error.Message);
        }
    }
}
