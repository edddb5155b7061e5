using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// The portal's DICOMweb service (PS3.18) for the viewer, under <c>/dicomweb/requests/{number}</c>: every call names the
/// request it views images for, and <see cref="ViewingAccess"/> scopes it on the server. Signed-in users only (the
/// session cookie, SameSite=Strict, so same origin); GETs only, so no antiforgery token. QIDO-RS in
/// <see cref="QidoEndpoints"/>, WADO-RS in <see cref="WadoEndpoints"/>.
/// </summary>
public static class DicomWebEndpoints
{
    public const string Root = "/dicomweb";
    public const string DicomJson = "application/dicom+json";

    public static IEndpointRouteBuilder MapDicomWeb(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Root + "/requests/{number}")
            .RequireAuthorization()
            .AddEndpointFilter(AnswerFailuresAsync);
        group.MapQido();
        group.MapWado();
        return endpoints;
    }

    /// <summary>Not found, with a body (a bare 404 would be re-executed into the portal's HTML status page).</summary>
    public static IResult NotFound(string message = "Not found.") => Error(StatusCodes.Status404NotFound, message);

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, message);

    public static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    public static bool IsUid(string? value) => value is { Length: > 0 and <= 64 } && DicomUid.IsValid(value);

    /// <summary>Data sets as a DICOM JSON array (PS3.18 F.2), written one data set at a time (<see cref="DicomJsonArray"/>).</summary>
    public static async Task WriteJsonAsync(HttpResponse response, IEnumerable<DicomDataset> datasets, CancellationToken cancellationToken)
    {
        var json = new DicomJsonArray(response);
        foreach (var dataset in datasets)
        {
            await json.WriteAsync(dataset, cancellationToken);
        }

        await json.EndAsync(cancellationToken);
    }

    /// <summary>
    /// A PACS that cannot be reached or refuses is 502, one that does not answer in time 504, with the reason in words.
    /// Once an answer has started, its status cannot change: the connection is aborted, so the client sees a broken
    /// multipart rather than a short one that looks whole.
    /// </summary>
    private static async ValueTask<object?> AnswerFailuresAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (Exception error) when (Status(error) is { } status)
        {
            if (http.Response.HasStarted)
            {
                http.Abort();
                return Results.Empty;
            }

            return Error(status, error.Message);
        }
    }

    private static int? Status(Exception error) => error switch
    {
        PacsUnavailableException or InstanceNotSentException => StatusCodes.Status502BadGateway,
        PacsTimeoutException => StatusCodes.Status504GatewayTimeout,
        FrameNotFoundException => StatusCodes.Status404NotFound,
        DicomFormatException => StatusCodes.Status502BadGateway,
        _ => null,
    };
}
