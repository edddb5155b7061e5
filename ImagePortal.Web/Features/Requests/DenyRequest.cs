using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Requests;

/// <summary>The approver who claimed the request denies it, with a reason from the list and, where needed, a note.</summary>
[AuthorizeMessage(Roles.Approver)]
public sealed record DenyRequest(string Number, Guid Version, DenialReason Reason, string? Note) : ICommand<Result>;

public sealed class DenyRequestHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<DenyRequest, Result>
{
    public async ValueTask<Result> Handle(DenyRequest command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Source,
            (request, now) => request.Deny(user.UserId!, command.Reason, command.Note, now), cancellationToken);
}
