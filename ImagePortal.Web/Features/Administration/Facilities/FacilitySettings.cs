using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>What an administrator can set on a facility (the code is fixed once created: imports use it).</summary>
public sealed record FacilitySettings(
    string Name, string Region, string PatientIdIssuer, string TimeZoneId, string? ContactPhone, string? ContactEmail,
    AccessionPolicy AccessionPolicy, DemographicsPolicy DemographicsPolicy, TimeSpan StatDue, TimeSpan UrgentDue, int RoutineDueWorkingDays);
