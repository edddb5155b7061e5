using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Requests;

/// <summary>The approver gives the request back to the inbox.</summary>
[AuthorizeMessage(Roles.Approver)]
public sealed record ReleaseRequest(string Number, Guid Version) : ICommand<Result>;

public sealed class ReleaseRequestHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<ReleaseRequest, Result>
{
    public async ValueTask<Result> Handle(ReleaseRequest command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Source,
            (request, now) => request.Release(user.UserId!, now), cancellationToken);
}
