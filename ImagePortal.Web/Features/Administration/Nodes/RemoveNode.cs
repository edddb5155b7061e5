using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Administration.Facilities;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Nodes;

[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record RemoveNode(Guid FacilityId, Guid Version, Guid NodeId) : ICommand<Result>;

public sealed class RemoveNodeHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access) : ICommandHandler<RemoveNode, Result>
{
    public async ValueTask<Result> Handle(RemoveNode command, CancellationToken cancellationToken) =>
        await FacilityChanges.ApplyAsync(dbFactory, access, command.FacilityId, command.Version, "Removing a DICOM node",
            facility => facility.RemoveNode(command.NodeId),
            cancellationToken,
            facility => NodeRules.Describe(facility.Nodes.FirstOrDefault(n => n.Id == command.NodeId)));
}
