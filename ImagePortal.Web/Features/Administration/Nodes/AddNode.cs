using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Web.Features.Administration.Facilities;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Nodes;

/// <summary>Adds a DICOM node (DIMSE or DICOMweb) to a facility; <see cref="Version"/> is the facility version the administrator saw.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record AddNode(Guid FacilityId, Guid Version, NodeSettings Settings) : ICommand<Result<Guid>>;

public sealed class AddNodeValidator : IValidator<AddNode>
{
    public IEnumerable<string> Validate(AddNode message) => NodeRules.Validate(message.Settings);
}

public sealed class AddNodeHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, NodeSecretProtector secrets)
    : ICommandHandler<AddNode, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(AddNode command, CancellationToken cancellationToken)
    {
        DicomNode? added = null;
        var s = command.Settings;
        var result = await FacilityChanges.ApplyAsync(dbFactory, access, command.FacilityId, command.Version, "Adding a DICOM node",
            facility =>
            {
                if (s.Protocol == NodeProtocol.DicomWeb)
                {
                    added = WebNodeRules.Add(facility, s, secrets);
                }
                else
                {
                    added = facility.AddNode(s.Name, AeTitle.Parse(s.AeTitle), s.Host, s.Port, s.Capabilities, s.UseTls);
                    facility.SetNodeCallingAddressCheck(added.Id, s.CallingAddressCheck);
                }

                NodeRules.ApplyDestination(facility, added, s.IsImportDestination);
            },
            cancellationToken,
            _ => NodeRules.Describe(added));
        return result.IsSuccess ? added!.Id : Result<Guid>.FromFailure(result.Failure!);
    }
}
