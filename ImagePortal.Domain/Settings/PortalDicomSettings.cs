using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Domain.Settings;

/// <summary>
/// The portal's own DICOM identity, edited by network administrators: the AE title it calls PACS with and answers
/// to, the port of its Storage SCP, and the calling AE titles that SCP accepts. One row; the <c>Dicom</c>
/// configuration section gives the values until an administrator saves them.
/// </summary>
public sealed class PortalDicomSettings
{
    public const int SingletonId = 1;

    private PortalDicomSettings()
    {
        AeTitleValue = string.Empty;
        AllowedCallingAeTitles = string.Empty;
    }

    public PortalDicomSettings(AeTitle aeTitle, int port, IEnumerable<string> allowedCallingAeTitles)
        : this()
    {
        Id = SingletonId;
        Update(aeTitle, port, allowedCallingAeTitles);
    }

    public int Id { get; private set; }

    /// <summary>The AE title as stored; use <see cref="AeTitle"/> in code.</summary>
    public string AeTitleValue { get; private set; }

    public AeTitle AeTitle => AeTitle.Parse(AeTitleValue);

    public int Port { get; private set; }

    /// <summary>Backslash-separated, as a DICOM multi-value (a backslash cannot occur in an AE title).</summary>
    public string AllowedCallingAeTitles { get; private set; }

    public Guid Version { get; private set; } = Guid.NewGuid();

    public IReadOnlyList<string> AllowedCallingAeTitleList =>
        AllowedCallingAeTitles.Length == 0 ? [] : AllowedCallingAeTitles.Split('\\');

    /// <summary>Validates every value before changing any; duplicates are removed, the order kept.</summary>
    public void Update(AeTitle aeTitle, int port, IEnumerable<string> allowedCallingAeTitles)
    {
        var validPort = DicomNode.ValidatePort(port);
        var allowed = new List<string>();
        foreach (var text in allowedCallingAeTitles)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (!AeTitle.TryParse(text, out var title, out var error))
            {
                throw new DomainException($"Allowed calling AE title '{text.Trim()}': {error}");
            }

            if (!allowed.Contains(title.Value, StringComparer.Ordinal))
            {
                allowed.Add(title.Value);
            }
        }

        if (allowed.Count > 200)
        {
            throw new DomainException("At most 200 calling AE titles can be allowed.");
        }

        AeTitleValue = aeTitle.Value;
        Port = validPort;
        AllowedCallingAeTitles = string.Join('\\', allowed);
        Version = Guid.NewGuid();
    }

    public string Describe() =>
        $"AE title={AeTitleValue}, port={Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}, allowed calling AEs={(AllowedCallingAeTitles.Length == 0 ? "none" : AllowedCallingAeTitles.Replace('\\', ','))}";
}
