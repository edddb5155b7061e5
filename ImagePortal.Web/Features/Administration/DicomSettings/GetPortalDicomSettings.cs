using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.DicomSettings;

/// <summary>The portal's own DICOM identity as it is in effect (saved, or the configuration's defaults).</summary>
[AuthorizeMessage(Roles.NetworkAdmin)]
public sealed record GetPortalDicomSettings : IQuery<Result<PortalDicomSettingsDetails>>;

/// <param name="Version">Null while the configuration's defaults are in effect (nothing saved yet).</param>
public sealed record PortalDicomSettingsDetails(string AeTitle, int Port, IReadOnlyList<string> AllowedCallingAeTitles, Guid? Version);

public sealed class GetPortalDicomSettingsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, IPortalDicomSettings settings)
    : IQueryHandler<GetPortalDicomSettings, Result<PortalDicomSettingsDetails>>
{
    public async ValueTask<Result<PortalDicomSettingsDetails>> Handle(GetPortalDicomSettings query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.PortalDicomSettings.AsNoTracking().SavedAsync(cancellationToken);
        if (stored is not null)
        {
            return new PortalDicomSettingsDetails(stored.AeTitleValue, stored.Port, stored.AllowedCallingAeTitleList, stored.Version);
        }

        var defaults = await settings.GetAsync(cancellationToken);
        return new PortalDicomSettingsDetails(defaults.AeTitle, defaults.Port, defaults.AllowedCallingAeTitles, null);
    }
}
