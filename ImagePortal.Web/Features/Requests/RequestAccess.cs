using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// Loads a request only for the clerks of the facility that asked and the approvers of the facility that holds the
/// images. To anybody else it does not exist: they get
/// "not found" (never "forbidden", which would confirm the number) and the attempt is logged as a security event.
/// </summary>
public sealed class RequestAccess(ICurrentUser user, SecurityRefusals refusals)
{
    public const string NotFoundMessage = "No such request.";

    public async Task<ImageRequest?> FindAsync(ImagePortalDbContext db, string number, RequestSide side, CancellationToken cancellationToken)
    {
        var request = await db.ImageRequests
            .Include(r => r.Events)
            .FirstOrDefaultAsync(r => r.Number == number, cancellationToken);
        if (request is null)
        {
            return null;
        }

        // Clerks work the requesting side, approvers the holding side: a clerk of the holding facility has no business
        // with the requests in its inbox, nor an approver with the requests their own facility sent.
        var onRequesterSide = request.RequestingFacilityId == user.FacilityId && user.IsInRole(Roles.Clerk);
        var onSourceSide = request.SourceFacilityId == user.FacilityId && user.IsInRole(Roles.Approver);
        var visible = side switch
        {
            RequestSide.Requester => onRequesterSide,
            RequestSide.Source => onSourceSide,
            _ => onRequesterSide || onSourceSide,
        };
        if (visible)
        {
            return request;
        }

        await refusals.RecordAsync(AuditAction.Read, $"Access to request {number} refused: it belongs to other facilities or roles", number, cancellationToken);
        return null;
    }
}

/// <summary>Which side of a request a use case acts for.</summary>
public enum RequestSide
{
    Either,
    Requester,
    Source,
}
