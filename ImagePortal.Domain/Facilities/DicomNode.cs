using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Facilities;

/// <summary>
/// A DICOM node of a facility: its PACS, a modality worklist, an import gateway. A DIMSE node is an application entity
/// (AE title, host, port); a DICOMweb node is a service root (<see cref="Web"/>), and has no AE title.
/// </summary>
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

    /// <summary>A DICOMweb node of a facility. Its host and port are the base URL's, for lists and duplicate checks.</summary>
    internal DicomNode(Guid facilityId, string name, DicomWebEndpoint endpoint, DicomCapabilities capabilities)
        : this()
    {
        Id = Guid.CreateVersion7();
        FacilityId = facilityId;
        Protocol = NodeProtocol.DicomWeb;
        ApplyWeb(name, endpoint, capabilities);
    }

    public Guid Id { get; private set; }

    public NodeProtocol Protocol { get; private set; }

    public bool IsDicomWeb => Protocol == NodeProtocol.DicomWeb;

    public Guid FacilityId { get; private set; }

    public string Name { get; private set; }

    /// <summary>The AE title as stored; use <see cref="AeTitle"/> in code.</summary>
    public string AeTitleValue { get; private set; }

    /// <summary>The node's AE title. A DICOMweb node has none: asking is a bug in a DIMSE path that let one through.</summary>
    public AeTitle AeTitle => IsDicomWeb
        ? throw new InvalidOperationException($"Node {Name} is a DICOMweb node and has no AE title.")
        : AeTitle.Parse(AeTitleValue);

    /// <summary>What identifies the node in lists and messages: the AE title, or the DICOMweb service root.</summary>
    public string Address => IsDicomWeb ? WebBaseUrl ?? string.Empty : $"{AeTitleValue}@{Host}:{Port}";

    /// <summary>How audit records and logs name the node: its AE title, or (having none) the DICOMweb service root.</summary>
    public string Label => IsDicomWeb ? WebBaseUrl ?? string.Empty : AeTitleValue;

    /// <summary>The node's study search, as audit records name it: a C-FIND, or a QIDO-RS search of a DICOMweb node.</summary>
    public string SearchLabel => IsDicomWeb ? $"QIDO-RS search of {Label}" : $"C-FIND to {Label}";

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

    /// <summary>The DICOMweb service root and authentication; null for a DIMSE node.</summary>
    public DicomWebEndpoint? Web => IsDicomWeb
        ? DicomWebEndpoint.Create(WebBaseUrl, WebAuthentication, WebUserName, WebTokenUrl, WebClientId, WebScope, WebPinnedCaPem, WebTimeoutSeconds)
        : null;

    // The endpoint's columns; read them through Web.
    public string? WebBaseUrl { get; private set; }

    public WebAuthentication WebAuthentication { get; private set; }

    public string? WebUserName { get; private set; }

    public string? WebTokenUrl { get; private set; }

    public string? WebClientId { get; private set; }

    public string? WebScope { get; private set; }

    public string? WebPinnedCaPem { get; private set; }

    public int WebTimeoutSeconds { get; private set; }

    public const int MaxProtectedSecretLength = 4000;

    /// <summary>
    /// The DICOMweb password or client secret, encrypted by the portal (ASP.NET Core Data Protection): never held in clear.
    /// Null when there is none.
    /// </summary>
    public string? ProtectedSecret { get; private set; }

    internal void SetProtectedSecret(string? protectedSecret)
    {
        if (!IsDicomWeb)
        {
            throw new DomainException(NotDicomWeb);
        }

        ProtectedSecret = Guard.Optional(protectedSecret, "The protected secret", MaxProtectedSecretLength);
    }

    internal void UpdateWeb(string name, DicomWebEndpoint endpoint, DicomCapabilities capabilities)
    {
        if (!IsDicomWeb)
        {
            throw new DomainException(NotDicomWeb);
        }

        if (IsImportDestination && !CanBeImportDestination(capabilities))
        {
            throw new DomainException(ImportDestinationWithoutStore);
        }

        var wasAuthentication = WebAuthentication;
        var wasIdentity = (WebUserName, WebClientId, WebTokenUrl);
        ApplyWeb(name, endpoint, capabilities);
        if (WebAuthentication != wasAuthentication || (WebUserName, WebClientId, WebTokenUrl) != wasIdentity)
        {
            // A secret belongs to the identity it was given for; a new identity needs its own.
            ProtectedSecret = null;
        }
    }

    private void ApplyWeb(string name, DicomWebEndpoint endpoint, DicomCapabilities capabilities)
    {
        var validName = Guard.Required(name, "The node name", 100);
        Name = validName;
        AeTitleValue = string.Empty;
        Host = endpoint.BaseUrl.IdnHost;
        Port = endpoint.BaseUrl.Port;
        UseTls = endpoint.BaseUrl.Scheme == Uri.UriSchemeHttps;
        Capabilities = capabilities & ~DicomCapabilities.Move;
        WebBaseUrl = endpoint.BaseUrl.AbsoluteUri;
        WebAuthentication = endpoint.Authentication;
        WebUserName = endpoint.UserName;
        WebTokenUrl = endpoint.TokenUrl?.AbsoluteUri;
        WebClientId = endpoint.ClientId;
        WebScope = endpoint.Scope;
        WebPinnedCaPem = endpoint.PinnedCaPem;
        WebTimeoutSeconds = endpoint.TimeoutSeconds;
    }

    public const string NotDicomWeb = "The node is not a DICOMweb node.";

    public const string NotDimse = "The node is a DICOMweb node; it has no AE title, host or port of its own.";

    internal void Update(string name, AeTitle aeTitle, string host, int port, DicomCapabilities capabilities, bool useTls)
    {
        if (IsDicomWeb)
        {
            throw new DomainException(NotDimse);
        }

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

    internal void SetCallingAddressCheck(CallingAddressCheck check)
    {
        if (IsDicomWeb && check != CallingAddressCheck.PortalDefault)
        {
            throw new DomainException("A DICOMweb node does not associate with the portal, so it has no calling-address check.");
        }

        CallingAddressCheck = Enum.IsDefined(check) ? check : throw new DomainException(UnknownCallingAddressCheck);
    }

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
