using System.Globalization;
using System.Threading.RateLimiting;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using Microsoft.AspNetCore.RateLimiting;

namespace ImagePortal.Web.Security;

/// <summary>
/// Limits the sign-in posts of one client address (a fixed window), so guessing passwords across many accounts is slow
/// although each account only locks after its own failures (RELIABILITY_CHECKLIST 22). Pages and other posts are not limited.
/// </summary>
public static class SignInThrottle
{
    private static readonly PathString[] SignInPaths = ["/Account/Login", "/Account/LoginWith2fa", "/Account/LoginWithRecoveryCode"];

    public static void Configure(RateLimiterOptions options, SecuritySettings settings)
    {
        if (settings.SignInAttemptLimit < 1 || settings.SignInAttemptWindow <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Security:SignInAttemptLimit must be at least 1 and Security:SignInAttemptWindow positive.");
        }

        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => IsSignInAttempt(context.Request)
            ? RateLimitPartition.GetFixedWindowLimiter(
                "sign-in " + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.SignInAttemptLimit,
                    Window = settings.SignInAttemptWindow,
                    QueueLimit = 0,
                })
            : RateLimitPartition.GetNoLimiter(string.Empty));
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = async (rejected, cancellationToken) =>
        {
            var context = rejected.HttpContext;
            var address = context.Connection.RemoteIpAddress?.ToString();
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInThrottle))
                .LogWarning("Security: sign-in attempt from {Address} refused: too many attempts", address);
            await context.RequestServices.GetRequiredService<IAuditTrail>().RecordAsync(
                new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.SeriousFailure,
                    "Sign-in refused: too many sign-in attempts from this address"),
                null, null, null, address, cancellationToken);
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(settings.SignInAttemptWindow.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(
                $"Too many sign-in attempts from your address; try again in {DurationWords.AtLeast(settings.SignInAttemptWindow)}.", cancellationToken);
        };
    }

    private static bool IsSignInAttempt(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && SignInPaths.Any(path => request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase));
}
