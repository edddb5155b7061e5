using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>What an administrator can set on a facility (the code is fixed once created: imports use it).</summary>
public sealed record FacilitySettings(
    string Name, string Region, string PatientIdIssuer, string TimeZoneId, string? ContactPhone, string? ContactEmail,
    AccessionPolicy AccessionPolicy, DemographicsPolicy DemographicsPolicy, TimeSpan StatDue, TimeSpan UrgentDue, int RoutineDueWorkingDays);

/// <summary>A network administrator adds a facility to the network.</summary>
[AuthorizeMessage(Roles.NetworkAdmin)]
public sealed record CreateFacility(string Code, FacilitySettings Settings) : ICommand<Result<Guid>>;

/// <summary>An administrator edits a facility; <see cref="Version"/> is the one they looked at.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record UpdateFacility(Guid Id, Guid Version, FacilitySettings Settings) : ICommand<Result>;

/// <summary>Deactivates a facility (it takes no new requests) or activates it again.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record SetFacilityActive(Guid Id, Guid Version, bool Active) : ICommand<Result>;

public sealed class CreateFacilityValidator : IValidator<CreateFacility>
{
    public IEnumerable<string> Validate(CreateFacility message)
    {
        if (string.IsNullOrWhiteSpace(message.Code))
        {
            yield return "The facility code is required.";
        }

        foreach (var problem in FacilitySettingsRules.Validate(message.Settings))
        {
            yield return problem;
        }
    }
}

public sealed class UpdateFacilityValidator : IValidator<UpdateFacility>
{
    public IEnumerable<string> Validate(UpdateFacility message) => FacilitySettingsRules.Validate(message.Settings);
}

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

public sealed class CreateFacilityHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<CreateFacility, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(CreateFacility command, CancellationToken cancellationToken)
    {
        var s = command.Settings;
        Facility facility;
        try
        {
            facility = new Facility(s.Name, command.Code, s.Region, s.PatientIdIssuer, s.TimeZoneId.Trim());
            FacilitySettingsRules.Apply(facility, s);
        }
        catch (DomainException error)
        {
            return Result<Guid>.Invalid(error.Message);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Facilities.AnyAsync(f => f.Code == facility.Code, cancellationToken))
        {
            return Result<Guid>.Invalid($"The code {facility.Code} is already used by another facility.");
        }

        db.Facilities.Add(facility);
        access.Changed(db, AuditAction.Create, $"Facility {facility.Code} created", null, FacilitySettingsRules.Describe(facility), facility.Code);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException conflict) when (DbErrors.IsDuplicateKey(conflict))
        {
            // The unique index on the code: another administrator created the same code at the same moment.
            return Result<Guid>.Invalid($"The code {facility.Code} is already used by another facility.");
        }

        await access.SealAsync(cancellationToken);
        return facility.Id;
    }
}

public sealed class UpdateFacilityHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<UpdateFacility, Result>
{
    public async ValueTask<Result> Handle(UpdateFacility command, CancellationToken cancellationToken) =>
        await FacilityChanges.ApplyAsync(dbFactory, access, command.Id, command.Version, "Facility edit",
            facility => FacilitySettingsRules.Apply(facility, command.Settings), cancellationToken);
}

public sealed class SetFacilityActiveHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<SetFacilityActive, Result>
{
    public async ValueTask<Result> Handle(SetFacilityActive command, CancellationToken cancellationToken) =>
        await FacilityChanges.ApplyAsync(dbFactory, access, command.Id, command.Version, command.Active ? "Facility activation" : "Facility deactivation",
            facility =>
            {
                if (command.Active)
                {
                    facility.Activate();
                }
                else
                {
                    facility.Deactivate();
                }
            }, cancellationToken);
}

/// <summary>
/// How every change to a facility or its nodes runs: check the administrator may manage it (else "not found" and a
/// security alert), check the version they saw, let the entity apply the change, save (a concurrent save makes this
/// one fail with a plain conflict), audit before and after.
/// </summary>
internal static class FacilityChanges
{
    public static async Task<Result> ApplyAsync(
        IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, Guid facilityId, Guid? seenVersion, string what,
        Action<Facility> change, CancellationToken cancellationToken, Func<Facility, string>? describe = null)
    {
        if (!await access.CanManageAsync(facilityId, what, cancellationToken))
        {
            return Result.NotFound(AdminAccess.NotFoundMessage);
        }

        describe ??= FacilitySettingsRules.Describe;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var facility = await db.Facilities.Include(f => f.Nodes).FirstOrDefaultAsync(f => f.Id == facilityId, cancellationToken);
        if (facility is null)
        {
            return Result.NotFound(AdminAccess.NotFoundMessage);
        }

        if (seenVersion is not null && facility.Version != seenVersion)
        {
            return Result.Conflict($"{facility.Name} was changed by someone else meanwhile. Reload the page and make your change again.");
        }

        var before = describe(facility);
        try
        {
            change(facility);
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        access.Changed(db, AuditAction.Update, $"{what} of {facility.Code}", before, describe(facility), facility.Code);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Result.Conflict($"{facility.Name} was changed by someone else at the same moment. Reload the page and make your change again.");
        }

        await access.SealAsync(cancellationToken);
        return Result.Success();
    }
}
