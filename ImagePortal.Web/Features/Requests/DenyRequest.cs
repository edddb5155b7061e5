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

/// <summary>The approver sends the request back to the requester with a question.</summary>
[AuthorizeMessage(Roles.Approver)]
public sealed record AskForInformation(string Number, Guid Version, string Question) : ICommand<Result>;

public sealed class AskForInformationHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<AskForInformation, Result>
{
    public async ValueTask<Result> Handle(AskForInformation command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Source,
            (request, now) => request.AskForInformation(user.UserId!, command.Question, now), cancellationToken);
}

/// <summary>The requesting clerk answers the question and puts the request back into the partner's inbox.</summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record ResubmitRequest(string Number, Guid Version, string Answer) : ICommand<Result>;

public sealed class ResubmitRequestHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<ResubmitRequest, Result>
{
    public async ValueTask<Result> Handle(ResubmitRequest command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Requester,
            (request, now) => request.Resubmit(user.UserId!, command.Answer, now), cancellationToken);
}

/// <summary>The requesting clerk withdraws a request nobody has decided yet.</summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record CancelRequest(string Number, Guid Version) : ICommand<Result>;

public sealed class CancelRequestHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<CancelRequest, Result>
{
    public async ValueTask<Result> Handle(CancelRequest command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, command.Version, RequestSide.Requester,
            (request, now) => request.Cancel(user.UserId!, now), cancellationToken);
}
