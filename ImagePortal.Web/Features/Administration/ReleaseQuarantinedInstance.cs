using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>
/// Releases a held instance the administrator has verified belongs to the request's patient: it is imported into the
/// requesting facility's destination as the retrieval imports (<see cref="QuarantineRelease"/>). Returns what happened.
/// </summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ReleaseQuarantinedInstance(Guid Id, string Reason) : ICommand<Result<string>>;

public sealed class ReleaseQuarantinedInstanceValidator : IValidator<ReleaseQuarantinedInstance>
{
    public IEnumerable<string> Validate(ReleaseQuarantinedInstance message) => QuarantineRules.ValidateReason(message.Reason);
}

public sealed class ReleaseQuarantinedInstanceHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, QuarantineAccess access, QuarantineRelease release, ICurrentUser user)
    : ICommandHandler<ReleaseQuarantinedInstance, Result<string>>
{
    public async ValueTask<Result<string>> Handle(ReleaseQuarantinedInstance command, CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await access.FindAsync(db, command.Id, "Releasing a quarantined instance", cancellationToken) is null)
            {
                return Result<string>.NotFound(QuarantineAccess.NotFoundMessage);
            }
        }

        // The timeline, the audit trail and the open request pages are told by the release itself.
        return await release.ReleaseAsync(command.Id, user.UserId ?? string.Empty, user.UserName ?? user.UserId ?? "unknown", command.Reason, cancellationToken);
    }
}
