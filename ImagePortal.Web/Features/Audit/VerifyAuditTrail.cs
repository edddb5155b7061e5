using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Audit;

/// <summary>
/// Checks the hash chain (every checkpoint, then the events since the last verified one, or every event for a full
/// check) and reports whether it is intact or the first event where it breaks. The chain is one for the network, so a
/// facility auditor checks it whole too; the answer holds counts and a sequence number, no event content. A broken
/// chain is raised as a security alert. <paramref name="Progress"/> hears the number of events walked so far; cancelling
/// stops the walk with what it verified remembered (<see cref="AuditVerification.Cancelled"/>).
/// </summary>
[AuthorizeMessage(Roles.Auditor)]
public sealed record VerifyAuditTrail(AuditVerificationScope Scope = AuditVerificationScope.SinceLastCheckpoint, IProgress<long>? Progress = null)
    : IQuery<Result<AuditVerification>>;

public sealed class VerifyAuditTrailHandler(AuditVerifier verifier, IAuditTrail audit) : IQueryHandler<VerifyAuditTrail, Result<AuditVerification>>
{
    public async ValueTask<Result<AuditVerification>> Handle(VerifyAuditTrail query, CancellationToken cancellationToken)
    {
        var verification = await verifier.VerifyAsync(query.Scope, query.Progress, cancellationToken);
        if (!verification.IsIntact)
        {
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.MajorFailure,
                    $"Audit trail integrity check failed at sequence {verification.BrokenAt}: {verification.Problem}"),
                cancellationToken);
        }

        return verification;
    }
}
