using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>QIDO-RS (PS3.18 10.6): the studies, series and instances a user may view for a request, as DICOM JSON.</summary>
public static class QidoEndpoints
{
    public static RouteGroupBuilder MapQido(this RouteGroupBuilder group)
    {
        group.MapGet("/studies", StudiesAsync);
        group.MapGet("/studies/{study}/series", SeriesAsync);
        group.MapGet("/studies/{study}/series/{series}/instances", InstancesAsync);
        return group;
    }

    /// <summary>
    /// The study-level search, as far as access allows: the studies in the user's scope for the request, as their PACS
    /// describes them (a Query audit event; views of a study are audited when its series or images are read).
    /// </summary>
    private static async Task<IResult> StudiesAsync(string number, ViewingAccess access, PacsQueries queries, IAuditTrail audit, HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var scope = await access.RequestAsync(number, cancellationToken);
        if (scope is null)
        {
            return DicomWebEndpoints.NotFound();
        }

        // An empty UID list would be universal matching: every study of the PACS.
        var answers = scope.Studies.Count == 0 ? [] : await queries.StudiesAsync(scope.Studies.Values, cancellationToken);
        await audit.RecordAsync(
            new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.Success,
                $"QIDO-RS studies of request {number}: {answers.Count} of {scope.Studies.Count} in scope", scope.Request.Patient.LocalMrn, number),
            cancellationToken);
        await DicomWebEndpoints.WriteJsonAsync(http.Response, answers, cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> SeriesAsync(string number, string study, ViewingAccess access, ViewingAudit viewing, PacsQueries queries, HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        if (!DicomWebEndpoints.IsUid(study))
        {
            return DicomWebEndpoints.BadRequest("The study is not a DICOM UID.");
        }

        if (await access.StudyAsync(number, study, cancellationToken) is not { } found)
        {
            return DicomWebEndpoints.NotFound();
        }

        await viewing.ViewedAsync(number, found.Study);
        var allowed = await access.ImportedInstancesAsync(found.Study, cancellationToken);
        await DicomWebEndpoints.WriteJsonAsync(http.Response, await queries.SeriesAsync(found.Study, allowed, cancellationToken), cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> InstancesAsync(
        string number, string study, string series, ViewingAccess access, ViewingAudit viewing, PacsQueries queries, HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        if (!DicomWebEndpoints.IsUid(study) || !DicomWebEndpoints.IsUid(series))
        {
            return DicomWebEndpoints.BadRequest("The study or series is not a DICOM UID.");
        }

        if (await access.StudyAsync(number, study, cancellationToken) is not { } found)
        {
            return DicomWebEndpoints.NotFound();
        }

        await viewing.ViewedAsync(number, found.Study);
        var allowed = await access.ImportedInstancesAsync(found.Study, cancellationToken);
        await DicomWebEndpoints.WriteJsonAsync(http.Response, await queries.InstancesAsync(found.Study, series, null, allowed, cancellationToken), cancellationToken);
        return Results.Empty;
    }
}
