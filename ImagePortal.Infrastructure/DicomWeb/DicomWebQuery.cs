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
            parameters.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(value));
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
}
