using System.Text.RegularExpressions;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// The viewer's shared chunks (wwwroot/viewer/shared-HASH.js, named by esbuild after their content: a changed chunk is a new
/// name) served as never changing, so that a browser that has opened the viewer takes them from its cache without asking
/// (the static files' own "no-cache" made it revalidate the 3 MB of Cornerstone at every view, one call to the portal after
/// the other, while the portal was busy fetching the series). Every other file keeps its headers: the entry modules
/// (viewer.js, early.js, …) keep their names from one build to the next and are revalidated.
/// </summary>
public sealed partial class ViewerScriptCaching(RequestDelegate next)
{
    /// <summary>What a content-named chunk is sent with: a year, never revalidated (as the static files' own fingerprinted names).</summary>
    public const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>build.mjs' chunkNames ('shared-[hash]'): esbuild's content hash, eight base-32 characters.</summary>
    [GeneratedRegex(@"^/viewer/shared-[A-Z0-9]{8}\.js$", RegexOptions.CultureInvariant)]
    private static partial Regex ContentNamedChunk();

    public Task InvokeAsync(HttpContext context)
    {
        if ((HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            && context.Request.Path.Value is { } path && ContentNamedChunk().IsMatch(path))
        {
            var response = context.Response;
            response.OnStarting(() =>
            {
                if (response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status304NotModified)
                {
                    response.Headers.CacheControl = Immutable;
                }

                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}
