using System.Globalization;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// The series of one study that the user may view for a request, as their PACS describes them: what the thumbnail strips of
/// the approver's look-up and of the request page list (the thumbnails themselves come from the DICOMweb service). Scoped
/// by <see cref="ViewingAccess"/> exactly as the service is: a study outside the user's scope is not found (and alerted),
/// and looking at its series is a view of the study (audited as one).
/// </summary>
[AuthorizeMessage(Roles.Approver, Roles.FacilityAdmin, Roles.Clerk)]
public sealed record ListViewableSeries(string Number, string StudyUid) : IQuery<Result<IReadOnlyList<SeriesSummary>>>;

/// <summary>One series as its thumbnail is captioned: modality, description and the number of images the PACS reports.</summary>
public sealed record SeriesSummary(string SeriesUid, string Modality, string? Description, int? SeriesNumber, int? Images)
{
    public string Caption => string.Join(" · ", new[] { Modality, Description, Images is { } n ? Labels.Count(n, "image") : null }.Where(p => !string.IsNullOrEmpty(p)));
}

public sealed class ListViewableSeriesHandler(ViewingAccess access, ViewingAudit viewing, PacsQueries queries)
    : IQueryHandler<ListViewableSeries, Result<IReadOnlyList<SeriesSummary>>>
{
    public async ValueTask<Result<IReadOnlyList<SeriesSummary>>> Handle(ListViewableSeries query, CancellationToken cancellationToken)
    {
        if (!DicomWebEndpoints.IsUid(query.StudyUid) || await access.StudyAsync(query.Number, query.StudyUid, cancellationToken) is not { } found)
        {
            return Result<IReadOnlyList<SeriesSummary>>.NotFound();
        }

        await viewing.ViewedAsync(query.Number, found.Study);
        List<DicomDataset> answers;
        try
        {
            answers = await queries.SeriesAsync(found.Study, await access.ImportedInstancesAsync(found.Study, cancellationToken), cancellationToken);
        }
        catch (Exception error) when (error is PacsUnavailableException or PacsTimeoutException or DicomFormatException)
        {
            return Result<IReadOnlyList<SeriesSummary>>.Fail(FailureKind.Unavailable, error.Message);
        }

        return Result<IReadOnlyList<SeriesSummary>>.Success(answers
            .Select(a => new SeriesSummary(
                a.GetUid(DicomTag.SeriesInstanceUID)!, a.GetString(DicomTag.Modality) ?? string.Empty, Blank(a.GetString(DicomTag.SeriesDescription)),
                Number(a.GetString(DicomTag.SeriesNumber)), Number(a.GetString(DicomTag.NumberOfSeriesRelatedInstances))))
            .OrderBy(s => s.SeriesNumber ?? int.MaxValue)
            .ThenBy(s => s.SeriesUid, StringComparer.Ordinal)
            .ToList());
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int? Number(string? value) =>
        int.TryParse(value?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : null;
}
