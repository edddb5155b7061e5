using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>An administrator edits a facility; <see cref="Version"/> is the one they looked at.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record UpdateFacility(Guid Id, Guid Version, FacilitySettings Settings) : ICommand<Result>;

public sealed class UpdateFacilityValidator : IValidator<UpdateFacility>
{
    public IEnumerable<string> Validate(UpdateFacility message) => FacilitySettingsRules.Validate(message.Settings);
}

public sealed class UpdateFacilityHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<UpdateFacility, Result>
{
    public async ValueTask<Result> Handle(UpdateFacility command, CancellationToken cancellationToken) =>
        await FacilityChanges.ApplyAsync(dbFactory, access, command.Id, command.Version, "Facility edit",
            facility => FacilitySettingsRules.Apply(facility, command.Settings), cancellationToken);
}
