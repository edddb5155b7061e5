using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using ImagePortal.Infrastructure.Identity;

namespace ImagePortal.Web.Components.Account;

public sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

    public void RedirectTo(string? uri)
    {
        navigationManager.NavigateTo(LocalOrHome(uri, navigationManager.BaseUri));
    }

    /// <summary>
    /// A return URL is followed only when it stays inside the portal (RELIABILITY_CHECKLIST 19): a relative path,
    /// or an absolute URL under the portal's own base. Anything else ("//evil", "/\\evil", "https://evil") goes home.
    /// </summary>
    internal static string LocalOrHome(string? uri, string baseUri)
    {
        if (string.IsNullOrEmpty(uri))
        {
            return "";
        }

        if (Uri.TryCreate(uri, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return absolute.ToString().StartsWith(baseUri, StringComparison.OrdinalIgnoreCase)
                ? absolute.ToString()[baseUri.Length..]
                : "";
        }

        var isLocalPath = (uri[0] == '/' && (uri.Length == 1 || (uri[1] != '/' && uri[1] != '\\'))) ||
                          (uri[0] != '/' && uri[0] != '\\' && !uri.Contains(':', StringComparison.Ordinal));
        return isLocalPath && !uri.Any(char.IsControl) ? uri : "";
    }

    public void RedirectTo(string uri, Dictionary<string, object?> queryParameters)
    {
        var uriWithoutQuery = navigationManager.ToAbsoluteUri(uri).GetLeftPart(UriPartial.Path);
        var newUri = navigationManager.GetUriWithQueryParameters(uriWithoutQuery, queryParameters);
        RedirectTo(newUri);
    }

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }

    private string CurrentPath => navigationManager.ToAbsoluteUri(navigationManager.Uri).GetLeftPart(UriPartial.Path);

    public void RedirectToCurrentPage() => RedirectTo(CurrentPath);

    public void RedirectToCurrentPageWithStatus(string message, HttpContext context)
        => RedirectToWithStatus(CurrentPath, message, context);

    public void RedirectToInvalidUser(UserManager<ApplicationUser> userManager, HttpContext context)
        => RedirectToWithStatus("Account/InvalidUser", $"Error: Unable to load user with ID '{userManager.GetUserId(context.User)}'.", context);
}
