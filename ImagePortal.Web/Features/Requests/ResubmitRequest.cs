using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Requests;

/// <summary>The requesting clerk answers the question and puts the request back into the partner's inbox.</summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record ResubmitRequest(string Number, Guid Version, string Answer) : ICommand<Result>;

public sealed class ResubmitRequestHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<ResubmitRequest, Result>
{
    public async ValueTask<Result> Handle(ResubmitRequest command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Requester,
            (request, now) => request.Resubmit(user.UserId!, command.Answer, now), cancellationToken);
}
