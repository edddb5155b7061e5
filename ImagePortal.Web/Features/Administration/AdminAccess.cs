using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;

namespace ImagePortal.Web.Features.Administration;

/// <summary>
/// The one rule every administration command applies on the server: network administrators manage every facility,
/// facility administrators only their own. An attempt on another facility is refused as "not found" (it does not
/// confirm that the facility exists) and recorded as a security alert; every change is recorded as a configuration
/// change with its before and after values.
/// </summary>
public sealed class AdminAccess(ICurrentUser user, IAuditTrail audit, SecurityRefusals refusals)
{
    public const string NotFoundMessage = "No such facility.";

    public bool IsNetworkAdmin => user.IsInRole(Roles.NetworkAdmin);

    public Guid? OwnFacilityId => user.FacilityId;

    /// <summary>True when the user may manage <paramref name="facilityId"/>; otherwise records a security alert and returns false.</summary>
    public async Task<bool> CanManageAsync(Guid? facilityId, string what, CancellationToken cancellationToken)
    {
        if (IsNetworkAdmin || (facilityId is not null && user.IsInRole(Roles.FacilityAdmin) && user.FacilityId == facilityId))
        {
            return true;
        }

        await RefuseAsync($"{what} refused: facility {facilityId?.ToString() ?? "(network-wide)"} is not the administrator's own", facilityId?.ToString(), cancellationToken);
        return false;
    }

    /// <summary>Records a refused administration attempt (a forged id, another facility's data) as a security alert.</summary>
    public Task RefuseAsync(string description, string? objectReference, CancellationToken cancellationToken) =>
        refusals.RecordAsync(AuditAction.Update, description, objectReference, cancellationToken);

    /// <summary>
    /// Stages the audit event of a change that <paramref name="db"/> is about to save, with what it was and what it became
    /// (never a password: callers pass descriptions without one): it commits with the change, or not at all. Call
    /// <see cref="SealAsync"/> once the change committed.
    /// </summary>
    public void Changed(ImagePortalDbContext db, AuditAction action, string what, string? before, string? after, string objectReference) =>
        audit.Stage(db,
            new AuditEntry(AuditEventType.ConfigurationChange, action, AuditOutcome.Success,
                $"{what}. Before: {before ?? "(none)"}. After: {after ?? "(none)"}.", ObjectReference: objectReference));

    /// <summary>
    /// Records a change that was saved already, for user accounts: ASP.NET Core Identity's UserManager saves each of its
    /// steps on its own, so there is no one commit the event could join (a process dying between the last step and this
    /// record loses the event; every other administration change uses <see cref="Changed"/>).
    /// </summary>
    public Task ChangedAsync(AuditAction action, string what, string? before, string? after, string objectReference, CancellationToken cancellationToken) =>
        audit.RecordAsync(
            new AuditEntry(AuditEventType.ConfigurationChange, action, AuditOutcome.Success,
                $"{what}. Before: {before ?? "(none)"}. After: {after ?? "(none)"}.", ObjectReference: objectReference),
            cancellationToken);

    /// <summary>Seals the staged events into the audit chain, after the change committed.</summary>
    public Task SealAsync(CancellationToken cancellationToken) => audit.SealStagedAsync(cancellationToken);
}
