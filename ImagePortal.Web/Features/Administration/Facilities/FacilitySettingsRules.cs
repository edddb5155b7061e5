using System.Globalization;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Facilities;

internal static class FacilitySettingsRules
{
    /// <summary>The problems a form can show at once; the entity checks the same rules again when applying them.</summary>
    public static IEnumerable<string> Validate(FacilitySettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Name))
        {
            yield return "The facility name is required.";
        }

        if (string.IsNullOrWhiteSpace(settings.Region))
        {
            yield return "The region is required.";
        }

        if (string.IsNullOrWhiteSpace(settings.PatientIdIssuer))
        {
            yield return "The issuer of patient ID is required.";
        }

        if (string.IsNullOrWhiteSpace(settings.TimeZoneId) || !TimeZoneInfo.TryFindSystemTimeZoneById(settings.TimeZoneId.Trim(), out _))
        {
            yield return $"'{settings.TimeZoneId}' is not a known time zone.";
        }

        if (settings.ContactEmail is { Length: > 0 } email && !System.Net.Mail.MailAddress.TryCreate(email.Trim(), out _))
        {
            yield return $"'{email}' is not an e-mail address.";
        }
    }

    public static void Apply(Facility facility, FacilitySettings settings)
    {
        facility.Rename(settings.Name, settings.Region);
        facility.SetPatientIdIssuer(settings.PatientIdIssuer);
        facility.SetTimeZone(settings.TimeZoneId.Trim());
        facility.SetContact(settings.ContactPhone, settings.ContactEmail);
        facility.SetImportPolicies(settings.AccessionPolicy, settings.DemographicsPolicy);
        facility.SetDueTimes(new PriorityDueTimes(settings.StatDue, settings.UrgentDue, settings.RoutineDueWorkingDays));
    }

    /// <summary>The facility's settings in one line, for the audit trail's before and after values.</summary>
    public static string Describe(Facility f) => string.Create(CultureInfo.InvariantCulture,
        $"name={f.Name}, region={f.Region}, issuer={f.PatientIdIssuer}, zone={f.TimeZoneId}, phone={f.ContactPhone}, email={f.ContactEmail}, " +
        $"accession={f.AccessionPolicy}, demographics={f.DemographicsPolicy}, due STAT={f.DueTimes.Stat}, urgent={f.DueTimes.Urgent}, " +
        $"routine={f.DueTimes.RoutineWorkingDays}d, active={f.IsActive}");
}
