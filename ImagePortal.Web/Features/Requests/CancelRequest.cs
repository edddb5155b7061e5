using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Requests;

/// <summary>The requesting clerk withdraws a request nobody has decided yet.</summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record CancelRequest(string Number, Guid Version) : ICommand<Result>;

public sealed class CancelRequestHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<CancelRequest, Result>
{
    public async ValueTask<Result> Handle(CancelRequest command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Requester,
            (request, now) => request.Cancel(user.UserId!, now), cancellationToken);
}
