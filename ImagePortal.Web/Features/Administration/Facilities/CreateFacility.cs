using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>A network administrator adds a facility to the network.</summary>
[AuthorizeMessage(Roles.NetworkAdmin)]
public sealed record CreateFacility(string Code, FacilitySettings Settings) : ICommand<Result<Guid>>;

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
