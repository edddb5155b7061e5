using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Agreements;

internal static class AgreementRules
{
    public static IEnumerable<string> Validate(AgreementTerms terms)
    {
        if (!Enum.IsDefined(terms.Type))
        {
            yield return Agreement.UnknownType;
        }

        if (!Agreement.EndsAfterItStarts(terms.ActiveFrom, terms.ActiveTo))
        {
            yield return Agreement.EndsBeforeItStarts;
        }

        if (!Agreement.IsStudyAge(terms.MaxStudyAgeDays))
        {
            yield return Agreement.StudyAgeUnderADay;
        }

        if (terms.Modalities.Count > 20)
        {
            yield return "At most 20 modalities.";
        }
    }

    public static void Apply(Agreement agreement, AgreementTerms terms)
    {
        agreement.SetType(terms.Type);
        agreement.SetValidity(terms.ActiveFrom, terms.ActiveTo);
        agreement.SetScope(terms.Modalities, terms.MaxStudyAgeDays);
    }

    /// <summary>The source facility grants access to its images, so its administrator manages the agreement.</summary>
    public static Task<bool> CanManageAsync(AdminAccess access, Guid sourceFacilityId, string what, CancellationToken cancellationToken) =>
        access.CanManageAsync(sourceFacilityId, what, cancellationToken);
}
