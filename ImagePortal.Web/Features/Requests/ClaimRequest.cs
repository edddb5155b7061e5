using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Requests;

/// <summary>An approver of the holding facility takes a request to work on it, so that colleagues do not duplicate the work.</summary>
[AuthorizeMessage(Roles.Approver)]
public sealed record ClaimRequest(string Number, Guid Version) : ICommand<Result>;

public sealed class ClaimRequestHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<ClaimRequest, Result>
{
    public async ValueTask<Result> Handle(ClaimRequest command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Source,
            (request, now) => request.Claim(user.UserId!, now), cancellationToken);
}
