using Microsoft.Net.Http.Headers;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// What a WADO-RS client accepts (PS3.18 8.7.3.5): the service never transcodes, so it answers in the stored syntax
/// unless every media range of the Accept header names other transfer syntaxes; then it answers 406. No Accept, a range
/// without a transfer-syntax parameter, or <c>transfer-syntax=*</c> accept the stored one.
/// </summary>
public static class AcceptedSyntaxes
{
    /// <summary>Whether <paramref name="request"/> accepts an answer in <paramref name="syntaxUid"/>.</summary>
    public static bool Allow(HttpRequest request, string syntaxUid)
    {
        var accept = request.Headers.Accept.ToString();
        if (string.IsNullOrWhiteSpace(accept) || !MediaTypeHeaderValue.TryParseList([accept], out var ranges) || ranges.Count == 0)
        {
            return true;
        }

        foreach (var range in ranges)
        {
            var named = range.Parameters.FirstOrDefault(p => p.Name.Equals("transfer-syntax", StringComparison.OrdinalIgnoreCase))?.Value.ToString().Trim('"');
            if (named is null || named == "*" || named == syntaxUid)
            {
                return true;
            }
        }

        return false;
    }

    public static IResult NotAcceptable(string syntaxUid) => DicomWebEndpoints.Error(
        StatusCodes.Status406NotAcceptable, $"The instance is stored in transfer syntax {syntaxUid}, which the Accept header does not allow; the portal does not transcode (accept transfer-syntax=* or {syntaxUid}).");
}
