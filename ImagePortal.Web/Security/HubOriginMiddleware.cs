using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Security;

/// <summary>
/// Refuses the live-page hub (its negotiate POST and WebSocket upgrade) to pages of other sites
/// (RELIABILITY_CHECKLIST 26). CORS does not cover WebSockets, so without this check a page elsewhere could open a
/// circuit that carries the user's cookie. A request without an Origin header does not come from a page's script
/// (browsers always send one on these requests) and passes.
/// </summary>
public sealed class HubOriginMiddleware(RequestDelegate next, IOptionsMonitor<SecuritySettings> settings, ILogger<HubOriginMiddleware> logger)
{
    public static readonly PathString HubPath = "/_blazor";

    public async Task InvokeAsync(HttpContext context, IAuditTrail audit)
    {
        if (!context.Request.Path.StartsWithSegments(HubPath) || IsAllowed(context.Request, settings.CurrentValue))
        {
            await next(context);
            return;
        }

        // The header is the caller's text: bounded before it reaches the audit trail.
        var origin = context.Request.Headers.Origin.ToString();
        origin = origin.Length > 200 ? origin[..200] : origin;
        logger.LogWarning("Security: hub connection from origin {Origin} refused for {Address}", origin, context.Connection.RemoteIpAddress);
        await audit.RecordAsync(
            new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.SeriousFailure,
                $"Live-page connection refused: origin {origin} is not the portal's"),
            context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
        {
            statusPages.Enabled = false;
        }
    }

    public static bool IsAllowed(HttpRequest request, SecuritySettings settings)
    {
        var origins = request.Headers.Origin;
        if (origins.Count == 0)
        {
            return true;
        }

        if (origins.Count > 1)
        {
            return false;
        }

        var origin = origins[0]!;
        return settings.AllowedOrigins.Count > 0
            ? settings.AllowedOrigins.Any(allowed => string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase))
            : string.Equals($"{request.Scheme}://{request.Host}", origin, StringComparison.OrdinalIgnoreCase);
    }
}
