using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Agreements;

[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record UpdateAgreement(Guid Id, Guid Version, AgreementTerms Terms) : ICommand<Result>;

public sealed class UpdateAgreementValidator : IValidator<UpdateAgreement>
{
    public IEnumerable<string> Validate(UpdateAgreement message) => AgreementRules.Validate(message.Terms);
}

public sealed class UpdateAgreementHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<UpdateAgreement, Result>
{
    public async ValueTask<Result> Handle(UpdateAgreement command, CancellationToken cancellationToken) =>
        await AgreementChanges.ApplyAsync(dbFactory, access, command.Id, command.Version, "Agreement edit",
            agreement => AgreementRules.Apply(agreement, command.Terms), cancellationToken);
}
