using ImagePortal.Domain.Facilities;

namespace ImagePortal.Infrastructure.Seed;

/// <summary>
/// The <c>Seed</c> section: facilities, nodes, agreements and first users created at start-up when missing.
/// Existing rows are never changed, so an administrator's edits survive a restart.
/// </summary>
public sealed class SeedOptions
{
    public const string SectionName = "Seed";

    public List<SeedFacility> Facilities { get; set; } = [];

    public List<SeedAgreement> Agreements { get; set; } = [];

    public List<SeedUser> Users { get; set; } = [];
}

public sealed class SeedFacility
{
    public string Code { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string Region { get; set; } = string.Empty;

    public string PatientIdIssuer { get; set; } = string.Empty;

    public string TimeZone { get; set; } = "UTC";

    public string? ContactPhone { get; set; }

    public string? ContactEmail { get; set; }

    public AccessionPolicy AccessionPolicy { get; set; } = AccessionPolicy.PrefixWithSourceCode;

    public DemographicsPolicy DemographicsPolicy { get; set; } = DemographicsPolicy.KeepSource;

    public List<SeedNode> Nodes { get; set; } = [];
}

public sealed class SeedNode
{
    public string Name { get; set; } = string.Empty;

    public string AeTitle { get; set; } = string.Empty;

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; }

    public DicomCapabilities Capabilities { get; set; } = DicomCapabilities.All;

    public bool UseTls { get; set; }

    public bool ImportDestination { get; set; }

    /// <summary>A DICOMweb node's service root; when set, the node is a DICOMweb node and AE title, host and port are ignored.</summary>
    public string? BaseUrl { get; set; }

    public WebAuthentication Authentication { get; set; }

    public string? UserName { get; set; }

    /// <summary>The DICOMweb password (basic); stored encrypted, like one an administrator enters.</summary>
    public string? Password { get; set; }
}

public sealed class SeedAgreement
{
    /// <summary>Code of the facility that asks.</summary>
    public string Requesting { get; set; } = string.Empty;

    /// <summary>Code of the facility that holds the images.</summary>
    public string Source { get; set; } = string.Empty;

    public AgreementType Type { get; set; } = AgreementType.ManualRequest;

    public List<string> Modalities { get; set; } = [];

    public int? MaxStudyAgeDays { get; set; }
}

public sealed class SeedUser
{
    public string UserName { get; set; } = string.Empty;

    public string DisplayName { get; set; } = string.Empty;

    public string? Email { get; set; }

    /// <summary>Code of the user's facility; empty for network-wide staff.</summary>
    public string? Facility { get; set; }

    public List<string> Roles { get; set; } = [];

    /// <summary>Initial password. Only for first users and the demo; never logged.</summary>
    public string Password { get; set; } = string.Empty;
}
