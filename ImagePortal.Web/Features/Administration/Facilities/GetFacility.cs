using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>One facility with its DICOM nodes, for its administration page.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record GetFacility(Guid Id) : IQuery<Result<FacilityDetails>>;

public sealed record FacilityDetails(
    Guid Id, string Code, string Name, string Region, string PatientIdIssuer, string TimeZoneId, string? ContactPhone, string? ContactEmail,
    AccessionPolicy AccessionPolicy, DemographicsPolicy DemographicsPolicy, TimeSpan StatDue, TimeSpan UrgentDue, int RoutineDueWorkingDays,
    bool IsActive, Guid Version, IReadOnlyList<NodeDetails> Nodes);

/// <param name="Address">AE@host:port, or a DICOMweb node's base URL.</param>
/// <param name="Web">A DICOMweb node's endpoint, without its secret; null for a DIMSE node.</param>
public sealed record NodeDetails(
    Guid Id, string Name, string AeTitle, string Host, int Port, bool UseTls, DicomCapabilities Capabilities, bool IsImportDestination,
    CallingAddressCheck CallingAddressCheck, NodeProtocol Protocol = NodeProtocol.Dimse, string Address = "", WebNodeDetails? Web = null)
{
    public bool IsDicomWeb => Protocol == NodeProtocol.DicomWeb;

    /// <summary>What names the node in buttons and messages: its AE title, or a DICOMweb node's name.</summary>
    public string Label => IsDicomWeb ? Name : AeTitle;
}

public sealed class GetFacilityHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : IQueryHandler<GetFacility, Result<FacilityDetails>>
{
    public async ValueTask<Result<FacilityDetails>> Handle(GetFacility query, CancellationToken cancellationToken)
    {
        if (!await access.CanManageAsync(query.Id, "Opening a facility's administration", cancellationToken))
        {
            return Result<FacilityDetails>.NotFound(AdminAccess.NotFoundMessage);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var facility = await db.Facilities.AsNoTracking().Include(f => f.Nodes).FirstOrDefaultAsync(f => f.Id == query.Id, cancellationToken);
        return facility is null ? Result<FacilityDetails>.NotFound(AdminAccess.NotFoundMessage) : ToDetails(facility);
    }

    internal static FacilityDetails ToDetails(Facility f) => new(
        f.Id, f.Code, f.Name, f.Region, f.PatientIdIssuer, f.TimeZoneId, f.ContactPhone, f.ContactEmail, f.AccessionPolicy, f.DemographicsPolicy,
        f.DueTimes.Stat, f.DueTimes.Urgent, f.DueTimes.RoutineWorkingDays, f.IsActive, f.Version,
        [.. f.Nodes.OrderBy(n => n.Name).ThenBy(n => n.Id).Select(ToDetails)]);

    private static NodeDetails ToDetails(DicomNode n) => new(
        n.Id, n.Name, n.AeTitleValue, n.Host, n.Port, n.UseTls, n.Capabilities, n.IsImportDestination, n.CallingAddressCheck, n.Protocol, n.Address,
        n.IsDicomWeb
            ? new WebNodeDetails(n.WebBaseUrl!, n.WebAuthentication, n.WebUserName, n.WebTokenUrl, n.WebClientId, n.WebScope, n.WebPinnedCaPem,
                n.WebTimeoutSeconds, HasSecret: n.ProtectedSecret is not null)
            : null);
}
