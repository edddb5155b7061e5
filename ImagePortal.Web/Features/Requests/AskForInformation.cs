using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Requests;

/// <summary>The approver sends the request back to the requester with a question.</summary>
[AuthorizeMessage(Roles.Approver)]
public sealed record AskForInformation(string Number, Guid Version, string Question) : ICommand<Result>;

public sealed class AskForInformationHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<AskForInformation, Result>
{
    public async ValueTask<Result> Handle(AskForInformation command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Source,
            (request, now) => request.AskForInformation(user.UserId!, command.Question, now), cancellationToken);
}
