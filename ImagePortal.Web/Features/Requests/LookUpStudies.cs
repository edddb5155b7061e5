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
/// The approver looks the requested patient up in their own facility's PACS (C-FIND at study level): by MRN, or by
/// name and birth date, within a date range and modalities.
/// </summary>
[AuthorizeMessage(Roles.Approver)]
public sealed record LookUpStudies(
    string Number, string? PatientId, string? PatientName, DateOnly? BirthDate, DateOnly? From, DateOnly? To,
    IReadOnlyList<string> Modalities) : IQuery<Result<StudySearch>>;

public sealed class LookUpStudiesValidator : IValidator<LookUpStudies>
{
    public IEnumerable<string> Validate(LookUpStudies message) =>
        StudySearchRules.Validate(message.PatientId, message.PatientName, message.BirthDate, message.From, message.To, message.Modalities,
            "Search by MRN, or by name and birth date.");
}

/// <summary>One rule for every study search that names a patient: the approver's look-up and the clerk's partner search.</summary>
public static class StudySearchRules
{
    public static IEnumerable<string> Validate(
        string? patientId, string? patientName, DateOnly? birthDate, DateOnly? from, DateOnly? to, IReadOnlyList<string> modalities, string whoIsMissing)
    {
        // No fishing: a search names a patient, by MRN or by name and birth date.
        if (string.IsNullOrWhiteSpace(patientId) && (string.IsNullOrWhiteSpace(patientName) || birthDate is null))
        {
            yield return whoIsMissing;
        }

        if (patientId?.Contains('\\') == true || patientName?.Contains('\\') == true || patientId is { Length: > 64 } || patientName is { Length: > 64 })
        {
            yield return "MRN and name must be at most 64 characters, without backslashes.";
        }

        if (from is not null && to is not null && from > to)
        {
            yield return "The date range ends before it starts.";
        }

        if (modalities.Count > 20 || modalities.Any(m => m.Length is 0 or > 16 || !m.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_')))
        {
            yield return "A modality is not a DICOM modality code.";
        }
    }
}

public sealed class LookUpStudiesHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, RequestAccess access, IPacsGateway pacs, IAuditTrail audit, ICurrentUser user)
    : IQueryHandler<LookUpStudies, Result<StudySearch>>
{
    public async ValueTask<Result<StudySearch>> Handle(LookUpStudies query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = await access.FindAsync(db, query.Number, RequestSide.Source, cancellationToken);
        if (request is null)
        {
            return Result<StudySearch>.NotFound(RequestAccess.NotFoundMessage);
        }

        // The look-up is the first step of approving: on a request this approver cannot approve (decided, closed, or
        // claimed by a colleague) it would only read patient data for nothing.
        if (!request.Allows(RequestAction.Approve, RequestActor.Approver, user.UserId))
        {
            return Result<StudySearch>.Invalid(
                $"Request {request.Number} is {ImageRequest.Describe(request.Status)}: only the approver who claimed it looks up its studies, before deciding.");
        }

        var nodes = await db.DicomNodes.AsNoTracking().Where(n => n.FacilityId == request.SourceFacilityId).ToListAsync(cancellationToken);
        var node = nodes.Where(n => n.Supports(DicomCapabilities.Find)).OrderByDescending(n => n.IsImportDestination).FirstOrDefault();
        if (node is null)
        {
            return Result<StudySearch>.Fail(FailureKind.Unavailable, "Your facility has no DICOM node that answers queries. Ask your administrator to add one.");
        }

        var studyQuery = new StudyQuery(query.PatientId?.Trim(), query.PatientName?.Trim(), query.BirthDate, query.From, query.To, query.Modalities, null);
        var keys = $"PatientID={studyQuery.PatientId}; PatientName={studyQuery.PatientName}; BirthDate={studyQuery.BirthDate:yyyy-MM-dd}; " +
                   $"StudyDate={PacsGateway.DateRange(query.From, query.To)}; Modalities={string.Join('\\', query.Modalities)}";
        try
        {
            var search = await pacs.FindStudiesAsync(node, studyQuery, cancellationToken);
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.Success,
                    $"C-FIND to {node.AeTitleValue} for request {request.Number}: {Labels.Count(search.Studies.Count, "match")}{(search.Truncated ? " (capped)" : "")}; {keys}",
                    request.Patient.LocalMrn, request.Number),
                cancellationToken);
            return search;
        }
        catch (PacsUnavailableException error)
        {
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.SeriousFailure,
                    $"C-FIND to {node.AeTitleValue} for request {request.Number} failed: {error.Message}", request.Patient.LocalMrn, request.Number),
                cancellationToken);
            return Result<StudySearch>.Fail(FailureKind.Unavailable, error.Message);
        }
    }
}
