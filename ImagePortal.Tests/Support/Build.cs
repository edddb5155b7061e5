using ImagePortal.Domain.Requests;
using ImagePortal.Web.Features.Requests;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Inputs of the use cases with named defaults, so that a test names only what it is about:
/// <c>Build.FileRequest(sbr) with { LocalMrn = "NVH-N1", Modalities = ["CR"] }</c> instead of fifteen positional arguments.
/// </summary>
public static class Build
{
    /// <summary>
    /// A clerk's request to <paramref name="sourceFacilityId"/> that passes validation: a patient named well enough to
    /// be found (name and birth date), any modality and date, a routine priority, not yet confirmed as no duplicate.
    /// </summary>
    public static FileRequest FileRequest(Guid sourceFacilityId) => new(
        SourceFacilityId: sourceFacilityId,
        FamilyName: "Doe",
        GivenName: null,
        BirthDate: new DateOnly(1960, 5, 14),
        Sex: PatientSex.Unknown,
        SourceMrn: null,
        LocalMrn: "NVH-1",
        Modalities: [],
        StudyDateFrom: null,
        StudyDateTo: null,
        Description: null,
        AccessionNumber: null,
        ClinicalReason: "Reason",
        Priority: RequestPriority.Routine,
        ConfirmedNotDuplicate: false);
}
