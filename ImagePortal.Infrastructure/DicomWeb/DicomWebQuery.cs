namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A QIDO-RS search (PS3.18 §10.6.1.2): match keys as attribute keywords or 8-digit tags with their values
/// (<c>PatientID=123</c>, <c>StudyDate=20240101-20240131</c>, <c>PatientName=Doe*</c>), the extra attributes to return
/// (<c>includefield</c>), and paging.
/// </summary>
public sealed record DicomWebQuery
{
    public IReadOnlyDictionary<string, string> Match { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> IncludeFields { get; init; } = [];

    public bool FuzzyMatching { get; init; }

    public int? Limit { get; init; }

    public int? Offset { get; init; }

    /// <summary>The query string, each key and value escaped (a value is data, never more parameters).</summary>
    public string ToQueryString()
    {
        var parameters = new List<string>();
        foreach (var (key, value) in Match)
        {
            parameters.Add(Uri.EscapeDataString(key) + "=" + Value(value));
        }

        foreach (var field in IncludeFields)
        {
            parameters.Add("includefield=" + Uri.EscapeDataString(field));
        }

        if (FuzzyMatching)
        {
            parameters.Add("fuzzymatching=true");
        }

        if (Limit is { } limit)
        {
            parameters.Add("limit=" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (Offset is { } offset)
        {
            parameters.Add("offset=" + offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return parameters.Count == 0 ? string.Empty : "?" + string.Join('&', parameters);
    }

    /// <summary>
    /// A match value escaped, but for the wildcard '*' and the UID list separator ',' (PS3.18 §8.3.4), which RFC 3986
    /// allows in a query as they are: Orthanc's DICOMweb plugin takes "Doe%2A" for the name "Doe*", not a wildcard.
    /// </summary>
    private static string Value(string value) =>
        Uri.EscapeDataString(value).Replace("%2A", "*", StringComparison.Ordinal).Replace("%2C", ",", StringComparison.Ordinal);
}
