using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Facilities;

/// <summary>A DICOM application entity of a facility: its PACS, a modality worklist, an import gateway.</summary>
public sealed class DicomNode
{
    public const int MaxHostLength = 253;

    private DicomNode()
    {
        Name = string.Empty;
        AeTitleValue = string.Empty;
        Host = string.Empty;
    }

    internal DicomNode(Guid facilityId, string name, AeTitle aeTitle, string host, int port, DicomCapabilities capabilities, bool useTls)
        : this()
    {
        Id = Guid.CreateVersion7();
        FacilityId = facilityId;
        Apply(name, aeTitle, host, port, capabilities, useTls);
    }

    public Guid Id { get; private set; }

    public Guid FacilityId { get; private set; }

    public string Name { get; private set; }

    /// <summary>The AE title as stored; use <see cref="AeTitle"/> in code.</summary>
    public string AeTitleValue { get; private set; }

    public AeTitle AeTitle => AeTitle.Parse(AeTitleValue);

    public string Host { get; private set; }

    public int Port { get; private set; }

    public bool UseTls { get; private set; }

    public DicomCapabilities Capabilities { get; private set; }

    /// <summary>Whether associations with this node's AE title must come from its host.</summary>
    public CallingAddressCheck CallingAddressCheck { get; private set; }

    /// <summary>The node's calling-address check in effect, given the portal-wide default.</summary>
    public bool ChecksCallingAddress(bool portalDefault) => CallingAddressCheck switch
    {
        CallingAddressCheck.Required => true,
        CallingAddressCheck.Off => false,
        _ => portalDefault,
    };

    /// <summary>Imports for the facility are stored here (C-STORE). At most one node of a facility is the destination.</summary>
    public bool IsImportDestination { get; internal set; }

    public bool Supports(DicomCapabilities capability) => (Capabilities & capability) == capability;

    public const int MaxEchoErrorLength = 500;

    /// <summary>When the portal last reached for this node (a C-ECHO from Test connection, or a retrieval's association).</summary>
    public DateTimeOffset? LastEchoAt { get; private set; }

    /// <summary>Whether that last attempt got an answer; null if the portal has not tried yet.</summary>
    public bool? LastEchoSucceeded { get; private set; }

    /// <summary>Why the last attempt failed, as the network said it.</summary>
    public string? LastEchoError { get; private set; }

    /// <summary>Remembers the outcome of the latest attempt to reach the node, for the administrators' home page.</summary>
    public void RecordEcho(DateTimeOffset at, bool succeeded, string? error)
    {
        LastEchoAt = at;
        LastEchoSucceeded = succeeded;
        LastEchoError = succeeded ? null : error is { Length: > MaxEchoErrorLength } ? error[..MaxEchoErrorLength] : error;
    }

    internal void Update(string name, AeTitle aeTitle, string host, int port, DicomCapabilities capabilities, bool useTls)
    {
        if (IsImportDestination && !CanBeImportDestination(capabilities))
        {
            throw new DomainException(ImportDestinationWithoutStore);
        }

        Apply(name, aeTitle, host, port, capabilities, useTls);
    }

    private void Apply(string name, AeTitle aeTitle, string host, int port, DicomCapabilities capabilities, bool useTls)
    {
        // Validate everything before changing anything: a refused update leaves the node as it was.
        var validName = Guard.Required(name, "The node name", 100);
        var validHost = ValidateHost(host);
        var validPort = ValidatePort(port);
        Name = validName;
        AeTitleValue = aeTitle.Value;
        Host = validHost;
        Port = validPort;
        Capabilities = capabilities;
        UseTls = useTls;
    }

    internal void SetCallingAddressCheck(CallingAddressCheck check) =>
        CallingAddressCheck = Enum.IsDefined(check) ? check : throw new DomainException(UnknownCallingAddressCheck);

    public const string UnknownCallingAddressCheck = "Unknown calling address check.";

    public const string ImportDestinationWithoutStore = "The import destination must accept C-STORE.";

    public const string PortOutOfRange = "The port must be between 1 and 65535.";

    /// <summary>The import destination receives the retrieved images, so it must accept C-STORE.</summary>
    public static bool CanBeImportDestination(DicomCapabilities capabilities) => (capabilities & DicomCapabilities.Store) != 0;

    public static bool IsPort(int port) => port is >= 1 and <= 65535;

    public static int ValidatePort(int port) => IsPort(port) ? port : throw new DomainException(PortOutOfRange);

    /// <summary>A host name (RFC 1123 labels) or an IPv4/IPv6 address; nothing that could smuggle a path or URL.</summary>
    public static string ValidateHost(string? host)
    {
        var value = Guard.Required(host, "The host", MaxHostLength);
        if (System.Net.IPAddress.TryParse(value, out _))
        {
            return value;
        }

        foreach (var label in value.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' ||
                !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw new DomainException($"'{value}' is not a valid host name or IP address.");
            }
        }

        return value;
    }
}
