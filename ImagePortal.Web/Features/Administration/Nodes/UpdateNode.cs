using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Web.Features.Administration.Facilities;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Nodes;

/// <summary>Edits a node; a DICOMweb node's secret is kept unless a new one is given or "clear" is asked (<see cref="WebNodeSettings"/>).</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record UpdateNode(Guid FacilityId, Guid Version, Guid NodeId, NodeSettings Settings) : ICommand<Result>;

public sealed class UpdateNodeValidator : IValidator<UpdateNode>
{
    public IEnumerable<string> Validate(UpdateNode message) => NodeRules.Validate(message.Settings);
}

public sealed class UpdateNodeHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, NodeSecretProtector secrets)
    : ICommandHandler<UpdateNode, Result>
{
    public async ValueTask<Result> Handle(UpdateNode command, CancellationToken cancellationToken)
    {
        var s = command.Settings;
        return await FacilityChanges.ApplyAsync(dbFactory, access, command.FacilityId, command.Version, "Editing a DICOM node",
            facility =>
            {
                if (s.Protocol == NodeProtocol.DicomWeb)
                {
                    WebNodeRules.Update(facility, command.NodeId, s, secrets);
                }
                else
                {
                    facility.UpdateNode(command.NodeId, s.Name, AeTitle.Parse(s.AeTitle), s.Host, s.Port, s.Capabilities, s.UseTls);
                    facility.SetNodeCallingAddressCheck(command.NodeId, s.CallingAddressCheck);
                }

                NodeRules.ApplyDestination(facility, facility.Nodes.Single(n => n.Id == command.NodeId), s.IsImportDestination);
            },
            cancellationToken,
            facility => NodeRules.Describe(facility.Nodes.FirstOrDefault(n => n.Id == command.NodeId)));
    }
}
