using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// The Study Instance UIDs of a request that the user may view (<see cref="ViewingAccess"/>), so that the request page
/// shows thumbnails only for those: a clerk's request that was partly imported lists every approved study, but only the
/// imported ones can be viewed, and asking for the others would be refused (and alerted) as a forged study would.
/// </summary>
[AuthorizeMessage(Roles.Approver, Roles.FacilityAdmin, Roles.Clerk)]
public sealed record ListViewableStudies(string Number) : IQuery<Result<IReadOnlyList<string>>>;

public sealed class ListViewableStudiesHandler(ViewingAccess access) : IQueryHandler<ListViewableStudies, Result<IReadOnlyList<string>>>
{
    public async ValueTask<Result<IReadOnlyList<string>>> Handle(ListViewableStudies query, CancellationToken cancellationToken) =>
        await access.RequestAsync(query.Number, cancellationToken) is { } scope
            ? Result<IReadOnlyList<string>>.Success([.. scope.Studies.Keys.Order(StringComparer.Ordinal)])
            : Result<IReadOnlyList<string>>.NotFound();
}
