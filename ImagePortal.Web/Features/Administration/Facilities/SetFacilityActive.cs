using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>Deactivates a facility (it takes no new requests) or activates it again.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record SetFacilityActive(Guid Id, Guid Version, bool Active) : ICommand<Result>;

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
