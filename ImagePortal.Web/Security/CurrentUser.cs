using System.Security.Claims;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Identity;

namespace ImagePortal.Web.Security;

/// <summary>
/// The scoped <see cref="ICurrentUser"/>: set from the request's ticket by <see cref="CurrentUserMiddleware"/>, and in a
/// Blazor circuit (where there is no HttpContext) from the authentication state by <see cref="CurrentUserCircuitHandler"/>.
/// </summary>
public sealed class CurrentUser : ICurrentUser
{
    private ClaimsPrincipal _principal = new(new ClaimsIdentity());

    public bool IsAuthenticated => _principal.Identity?.IsAuthenticated == true;

    public string? UserId => IsAuthenticated ? _principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;

    public string? UserName => IsAuthenticated ? _principal.Identity?.Name : null;

    public string? DisplayName => IsAuthenticated ? _principal.FindFirstValue(ImagePortalClaims.DisplayName) : null;

    public Guid? FacilityId =>
        IsAuthenticated && Guid.TryParse(_principal.FindFirstValue(ImagePortalClaims.FacilityId), out var id) ? id : null;

    public string? RemoteAddress { get; private set; }

    public bool IsInRole(string role) => IsAuthenticated && _principal.IsInRole(role);

    public void Set(ClaimsPrincipal principal, string? remoteAddress)
    {
        _principal = principal;
        RemoteAddress = remoteAddress ?? RemoteAddress;
    }
}

public sealed class CurrentUserMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context, CurrentUser currentUser)
    {
        currentUser.Set(context.User, context.Connection.RemoteIpAddress?.ToString());
        return next(context);
    }
}
