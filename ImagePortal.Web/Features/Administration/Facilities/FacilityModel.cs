using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>The facility form's fields, bound two-way by <see cref="FacilityForm"/>; defaults are those of a new facility.</summary>
public sealed class FacilityModel
{
    public string? Code { get; set; }
    public string? Name { get; set; }
    public string? Region { get; set; }
    public string? PatientIdIssuer { get; set; }
    public string? TimeZoneId { get; set; } = "Europe/Dublin";
    public string? ContactPhone { get; set; }
    public string? ContactEmail { get; set; }
    public AccessionPolicy AccessionPolicy { get; set; }
    public DemographicsPolicy DemographicsPolicy { get; set; }
    public int StatMinutes { get; set; } = 60;
    public int UrgentMinutes { get; set; } = 240;
    public int RoutineDays { get; set; } = 2;

    public static FacilityModel From(FacilityDetails d) => new()
    {
        Code = d.Code, Name = d.Name, Region = d.Region, PatientIdIssuer = d.PatientIdIssuer, TimeZoneId = d.TimeZoneId,
        ContactPhone = d.ContactPhone, ContactEmail = d.ContactEmail, AccessionPolicy = d.AccessionPolicy, DemographicsPolicy = d.DemographicsPolicy,
        StatMinutes = (int)d.StatDue.TotalMinutes, UrgentMinutes = (int)d.UrgentDue.TotalMinutes, RoutineDays = d.RoutineDueWorkingDays,
    };

    public FacilitySettings ToSettings() => new(
        Name ?? "", Region ?? "", PatientIdIssuer ?? "", TimeZoneId ?? "", ContactPhone, ContactEmail, AccessionPolicy, DemographicsPolicy,
        TimeSpan.FromMinutes(StatMinutes), TimeSpan.FromMinutes(UrgentMinutes), RoutineDays);
}
