namespace ImagePortal.Dicom.Data;

/// <summary>
/// A person name (PN, PS3.5 §6.2.1): up to three component groups separated by '=' (alphabetic, ideographic,
/// phonetic), each with five components separated by '^' (family, given, middle, prefix, suffix).
/// </summary>
public sealed record DicomPersonName(string Alphabetic, string Ideographic, string Phonetic)
{
    public string FamilyName => Component(Alphabetic, 0);

    public string GivenName => Component(Alphabetic, 1);

    public string MiddleName => Component(Alphabetic, 2);

    public string NamePrefix => Component(Alphabetic, 3);

    public string NameSuffix => Component(Alphabetic, 4);

    public static DicomPersonName Parse(string value)
    {
        var groups = value.Split('=');
        return new DicomPersonName(
            groups[0],
            groups.Length > 1 ? groups[1] : string.Empty,
            groups.Length > 2 ? groups[2] : string.Empty);
    }

    /// <summary>The PN encoding, trailing empty groups and components left out (PS3.5 §6.2.1.1).</summary>
    public override string ToString()
    {
        string[] groups = [Alphabetic.TrimEnd('^'), Ideographic.TrimEnd('^'), Phonetic.TrimEnd('^')];
        var count = groups.Length;
        while (count > 1 && groups[count - 1].Length == 0)
        {
            count--;
        }

        return string.Join('=', groups, 0, count);
    }

    private static string Component(string group, int index)
    {
        var components = group.Split('^');
        return index < components.Length ? components[index] : string.Empty;
    }
}
