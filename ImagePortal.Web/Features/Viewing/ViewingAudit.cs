using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>Audits views of studies: "DICOM Instances Accessed" (PS3.15 A.5.3.2, DCM 110103) with user, patient and study.</summary>
public sealed class ViewingAudit(IAuditTrail audit, ICurrentUser user, AccessAuditWindow window)
{
    /// <summary>
    /// Records the view of <paramref name="study"/> unless this user's view of it for the request is already audited within the window. Not cancellable: once
    /// the window is open, the event must be written even if the viewer has gone.
    /// </summary>
    public async Task ViewedAsync(string number, ViewableStudy study)
    {
        if (!window.Open(user.UserId ?? string.Empty, number, study.StudyUid))
        {
            return;
        }

        await audit.RecordAsync(
            new AuditEntry(AuditEventType.InstancesAccessed, AuditAction.Read, AuditOutcome.Success,
                $"Viewed study {study.StudyUid} for request {number} from {study.Node.Label}", study.PatientId, number, study.StudyUid),
            CancellationToken.None);
    }
}
