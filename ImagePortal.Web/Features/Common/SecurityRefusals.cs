using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;

namespace ImagePortal.Web.Features.Common;

/// <summary>
/// How a use case records that the server refused the current user something their facility or role does not reach
/// (another facility's request, job or data, a forged id): a "Security:" warning in the log with who and from where,
/// and a security alert in the audit trail, which the auditors' home page counts. What to answer stays the caller's:
/// mostly "not found", which does not confirm that the thing exists.
/// </summary>
public sealed class SecurityRefusals(ICurrentUser user, IAuditTrail audit, ILogger<SecurityRefusals> logger)
{
    /// <param name="action">What the user tried to do to it (read, create, update).</param>
    /// <param name="description">What was refused and why, in the audit trail's words.</param>
    /// <param name="objectReference">What it was about (a request number, a facility id), when there is one to name.</param>
    public async Task RecordAsync(AuditAction action, string description, string? objectReference, CancellationToken cancellationToken)
    {
        logger.LogWarning(
            "Security: {UserId} of facility {FacilityId} from {Address}: {Description}",
            user.UserId, user.FacilityId, user.RemoteAddress, description);
        await audit.RecordAsync(
            new AuditEntry(AuditEventType.SecurityAlert, action, AuditOutcome.SeriousFailure, description, ObjectReference: objectReference),
            cancellationToken);
    }
}
