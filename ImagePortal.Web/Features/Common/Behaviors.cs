using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using Mediator;

namespace ImagePortal.Web.Features.Common;

/// <summary>Logs each use case with its duration and outcome; never its payload, which may hold PHI.</summary>
public sealed class LoggingBehavior<TMessage, TResponse>(ILogger<LoggingBehavior<TMessage, TResponse>> logger, ICurrentUser user)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private static readonly TimeSpan SlowQuery = TimeSpan.FromMilliseconds(500);

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next(message, cancellationToken);
            var failure = (response as IOutcome)?.Failure;
            var elapsed = Stopwatch.GetElapsedTime(started);

            // Changes, refusals and slow answers are worth a line in the log; a page's routine read is not (dozens per
            // page view would bury the start-up banner and everything else at Information).
            var level = message is IBaseQuery && failure is null && elapsed < SlowQuery ? LogLevel.Debug : LogLevel.Information;
            logger.Log(
                level, "{Message} by {UserId} finished in {ElapsedMs:F1} ms: {Outcome}",
                typeof(TMessage).Name, user.UserId ?? "anonymous", elapsed.TotalMilliseconds,
                failure is null ? "success" : failure.Kind.ToString());
            return response;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "{Message} by {UserId} failed", typeof(TMessage).Name, user.UserId ?? "anonymous");
            throw;
        }
    }
}

/// <summary>
/// Checks the sender's roles against the message's <see cref="AuthorizeMessageAttribute"/>, on the server, for every
/// message, whatever the page showed. Facility scoping is each handler's job (it knows which data it touches).
/// </summary>
public sealed class AuthorizationBehavior<TMessage, TResponse>(
    ICurrentUser user, IAuditTrail audit, ILogger<AuthorizationBehavior<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private static readonly ConcurrentDictionary<Type, AuthorizeMessageAttribute?> Attributes = new();

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var rule = Attributes.GetOrAdd(typeof(TMessage), type => type.GetCustomAttribute<AuthorizeMessageAttribute>());
        var allowed = user.IsAuthenticated && rule is not null && (rule.AnyAuthenticatedUser || user.IsInAnyRole(rule.Roles));
        if (allowed)
        {
            return await next(message, cancellationToken);
        }

        logger.LogWarning(
            "Security: {UserId} from {Address} was refused {Message} (roles required: {Roles})",
            user.UserId ?? "anonymous", user.RemoteAddress, typeof(TMessage).Name,
            rule is null ? "message has no authorization rule" : string.Join(",", rule.Roles));
        if (user.IsAuthenticated)
        {
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.SeriousFailure,
                    $"{typeof(TMessage).Name} refused: the user's roles do not allow it"),
                cancellationToken);
        }

        return Failures<TResponse>.Create(FailureKind.Forbidden, "You are not allowed to do this.");
    }
}

/// <summary>Runs the message's validators; the handler only sees input that passed.</summary>
public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var problems = validators.SelectMany(v => v.Validate(message)).ToList();
        return problems.Count == 0
            ? next(message, cancellationToken)
            : ValueTask.FromResult(Failures<TResponse>.Create(FailureKind.Invalid, string.Join(" ", problems)));
    }
}
