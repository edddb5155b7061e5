using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Agreements;

/// <summary><paramref name="RequestingFacilityId"/> may obtain images from <paramref name="SourceFacilityId"/>.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record CreateAgreement(Guid RequestingFacilityId, Guid SourceFacilityId, AgreementTerms Terms) : ICommand<Result<Guid>>;

public sealed class CreateAgreementValidator : IValidator<CreateAgreement>
{
    public IEnumerable<string> Validate(CreateAgreement message)
    {
        if (message.RequestingFacilityId == message.SourceFacilityId)
        {
            yield return Agreement.WithItself;
        }

        foreach (var problem in AgreementRules.Validate(message.Terms))
        {
            yield return problem;
        }
    }
}

public sealed class CreateAgreementHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<CreateAgreement, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(CreateAgreement command, CancellationToken cancellationToken)
    {
        if (!await AgreementRules.CanManageAsync(access, command.SourceFacilityId, "Creating an agreement", cancellationToken))
        {
            return Result<Guid>.NotFound(AdminAccess.NotFoundMessage);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var codes = await db.Facilities.AsNoTracking()
            .Where(f => f.Id == command.RequestingFacilityId || f.Id == command.SourceFacilityId)
            .ToDictionaryAsync(f => f.Id, f => f.Code, cancellationToken);
        if (!codes.ContainsKey(command.RequestingFacilityId) || !codes.ContainsKey(command.SourceFacilityId))
        {
            await access.RefuseAsync("Creating an agreement refused: unknown facility id", null, cancellationToken);
            return Result<Guid>.NotFound(AdminAccess.NotFoundMessage);
        }

        if (await db.Agreements.AnyAsync(a => a.RequestingFacilityId == command.RequestingFacilityId && a.SourceFacilityId == command.SourceFacilityId, cancellationToken))
        {
            return Result<Guid>.Invalid(
                $"{codes[command.RequestingFacilityId]} already has an agreement with {codes[command.SourceFacilityId]}: edit that one instead.");
        }

        Agreement agreement;
        try
        {
            agreement = new Agreement(command.RequestingFacilityId, command.SourceFacilityId, command.Terms.Type, command.Terms.ActiveFrom, command.Terms.ActiveTo);
            AgreementRules.Apply(agreement, command.Terms);
        }
        catch (DomainException error)
        {
            return Result<Guid>.Invalid(error.Message);
        }

        db.Agreements.Add(agreement);
        access.Changed(db, AuditAction.Create,
            $"Agreement {codes[command.RequestingFacilityId]} asks {codes[command.SourceFacilityId]} created", null, agreement.Describe(),
            agreement.Id.ToString());
        await db.SaveChangesAsync(cancellationToken);
        await access.SealAsync(cancellationToken);
        return agreement.Id;
    }
}
