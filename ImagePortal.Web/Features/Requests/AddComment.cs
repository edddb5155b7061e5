using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Common;
using Mediator;

namespace ImagePortal.Web.Features.Requests;

/// <summary>A message on the request's thread, visible to both sides (the clerks who asked and the approvers who hold).</summary>
[AuthorizeMessage(Roles.Clerk, Roles.Approver)]
public sealed record AddComment(string Number, string Text) : ICommand<Result>;

public sealed class AddCommentValidator : IValidator<AddComment>
{
    public IEnumerable<string> Validate(AddComment message)
    {
        if (string.IsNullOrWhiteSpace(message.Text))
        {
            yield return "Write a comment first.";
        }
        else if (message.Text.Length > 2000)
        {
            yield return "A comment holds at most 2,000 characters.";
        }
    }
}

public sealed class AddCommentHandler(RequestChanges changes, ICurrentUser user) : ICommandHandler<AddComment, Result>
{
    // A comment changes no decision, so it needs no version check: it never conflicts with a colleague's action.
    public async ValueTask<Result> Handle(AddComment command, CancellationToken cancellationToken) =>
        await changes.ApplyAsync(command.Number, seenVersion: null, RequestSide.Either,
            (request, now) => request.AddComment(user.UserId!, command.Text, now), cancellationToken);
}
