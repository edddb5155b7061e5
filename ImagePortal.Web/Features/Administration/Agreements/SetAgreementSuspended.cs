using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Agreements;

/// <summary>Suspends an agreement (no new requests, no direct retrieves) or resumes it.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record SetAgreementSuspended(Guid Id, Guid Version, bool Suspended) : ICommand<Result>;

public sealed class SetAgreementSuspendedHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<SetAgreementSuspended, Result>
{
    public async ValueTask<Result> Handle(SetAgreementSuspended command, CancellationToken cancellationToken) =>
        await AgreementChanges.ApplyAsync(dbFactory, access, command.Id, command.Version, command.Suspended ? "Agreement suspension" : "Agreement resumption",
            agreement =>
            {
                if (command.Suspended)
                {
                    agreement.Suspend();
                }
                else
                {
                    agreement.Resume();
                }
            }, cancellationToken);
}
