namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// What a series-level WADO-RS route serves: the series' instances the user may view (a clerk's, those the ledger
/// holds), found at the PACS, the view audited; <see cref="WholeSeries"/> when they are every instance the PACS named for the
/// series (the fetch may then retrieve the series as a whole). Or why not: the answer to give (400 for a bad UID, 404 not
/// found).
/// </summary>
public sealed record SeriesInstances(ViewableStudy Study, IReadOnlyList<InstanceKey> Keys, bool WholeSeries)
{
    public static async Task<(SeriesInstances? Series, IResult? Refusal)> FindAsync(
        string number, string study, string series, ViewingAccess access, ViewingAudit viewing, PacsQueries queries, CancellationToken cancellationToken)
    {
        if (!DicomWebEndpoints.IsUid(study) || !DicomWebEndpoints.IsUid(series))
        {
            return (null, DicomWebEndpoints.BadRequest("The study or series is not a DICOM UID."));
        }

        if (await access.StudyAsync(number, study, cancellationToken) is not { } found)
        {
            return (null, DicomWebEndpoints.NotFound());
        }

        await viewing.ViewedAsync(number, found.Study);
        var allowed = await access.ImportedInstancesAsync(found.Study, cancellationToken);
        var (answers, whole) = await queries.SeriesInstancesAsync(found.Study, series, allowed, cancellationToken);
        return answers.Count == 0
            ? (null, DicomWebEndpoints.NotFound("The series has no instances here."))
            : (new SeriesInstances(found.Study, [.. answers.Select(a => PacsQueries.KeyOf(a, study, series))], whole), null);
    }
}
