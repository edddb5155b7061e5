using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Facilities;

/// <summary>A hospital or imaging centre of the network.</summary>
public sealed class Facility
{
    public const int MaxCodeLength = 10;

    private readonly List<DicomNode> _nodes = [];

    private Facility()
    {
        Name = string.Empty;
        Code = string.Empty;
        Region = string.Empty;
        PatientIdIssuer = string.Empty;
        TimeZoneId = "UTC";
        DueTimes = PriorityDueTimes.Default;
    }

    public Facility(string name, string code, string region, string patientIdIssuer, string timeZoneId)
        : this()
    {
        Id = Guid.CreateVersion7();
        Rename(name, region);
        Code = ValidateCode(code);
        SetPatientIdIssuer(patientIdIssuer);
        SetTimeZone(timeZoneId);
        IsActive = true;
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; }

    /// <summary>Short code, unique in the network, upper-case letters and digits (prefixes accession numbers on import).</summary>
    public string Code { get; private set; }

    public string Region { get; private set; }

    /// <summary>Issuer of Patient ID (0010,0021) written on every import into this facility.</summary>
    public string PatientIdIssuer { get; private set; }

    /// <summary>IANA time zone in which the facility's pages show dates.</summary>
    public string TimeZoneId { get; private set; }

    public string? ContactPhone { get; private set; }

    public string? ContactEmail { get; private set; }

    public AccessionPolicy AccessionPolicy { get; private set; }

    public DemographicsPolicy DemographicsPolicy { get; private set; }

    public PriorityDueTimes DueTimes { get; private set; }

    public bool IsActive { get; private set; }

    /// <summary>Concurrency token: changes with every edit of the facility or its nodes, so a stale edit is refused.</summary>
    public Guid Version { get; private set; } = Guid.NewGuid();

    public IReadOnlyList<DicomNode> Nodes => _nodes;

    public DicomNode? ImportDestination => _nodes.FirstOrDefault(n => n.IsImportDestination);

    public void Rename(string name, string region)
    {
        Name = Guard.Required(name, "The facility name", 200);
        Region = Guard.Required(region, "The region", 100);
        Changed();
    }

    public void SetContact(string? phone, string? email)
    {
        ContactPhone = Guard.Optional(phone, "The phone number", 50);
        ContactEmail = Guard.Optional(email, "The e-mail address", 254);
        if (ContactEmail is not null && (!ContactEmail.Contains('@') || ContactEmail.Contains(' ')))
        {
            throw new DomainException($"'{ContactEmail}' is not an e-mail address.");
        }

        Changed();
    }

    public void SetPatientIdIssuer(string issuer)
    {
        // Issuer of Patient ID is LO: 64 characters, no backslash (PS3.5 6.2).
        var value = Guard.Required(issuer, "The issuer of patient ID", 64);
        if (value.Contains('\\'))
        {
            throw new DomainException("The issuer of patient ID must not contain a backslash.");
        }

        PatientIdIssuer = value;
        Changed();
    }

    public void SetTimeZone(string timeZoneId)
    {
        var value = Guard.Required(timeZoneId, "The time zone", 64);
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(value, out _))
        {
            throw new DomainException($"'{value}' is not a known time zone.");
        }

        TimeZoneId = value;
        Changed();
    }

    public void SetImportPolicies(AccessionPolicy accession, DemographicsPolicy demographics)
    {
        if (!Enum.IsDefined(accession) || !Enum.IsDefined(demographics))
        {
            throw new DomainException("Unknown import policy.");
        }

        AccessionPolicy = accession;
        DemographicsPolicy = demographics;
        Changed();
    }

    public void SetDueTimes(PriorityDueTimes dueTimes)
    {
        DueTimes = dueTimes.Validate();
        Changed();
    }

    public void Deactivate()
    {
        IsActive = false;
        Changed();
    }

    public void Activate()
    {
        IsActive = true;
        Changed();
    }

    public DicomNode AddNode(string name, AeTitle aeTitle, string host, int port, DicomCapabilities capabilities, bool useTls = false)
    {
        if (_nodes.Any(n => n.AeTitleValue == aeTitle.Value && string.Equals(n.Host, host, StringComparison.OrdinalIgnoreCase) && n.Port == port))
        {
            throw new DomainException($"The facility already has a node {aeTitle} at {host}:{port}.");
        }

        var node = new DicomNode(Id, name, aeTitle, host, port, capabilities, useTls);
        _nodes.Add(node);
        Changed();
        return node;
    }

    public void UpdateNode(Guid nodeId, string name, AeTitle aeTitle, string host, int port, DicomCapabilities capabilities, bool useTls)
    {
        if (_nodes.Any(n => n.Id != nodeId && n.AeTitleValue == aeTitle.Value && string.Equals(n.Host, host.Trim(), StringComparison.OrdinalIgnoreCase) && n.Port == port))
        {
            throw new DomainException($"The facility already has a node {aeTitle} at {host.Trim()}:{port}.");
        }

        FindNode(nodeId).Update(name, aeTitle, host, port, capabilities, useTls);
        Changed();
    }

    /// <summary>Adds a DICOMweb node (QIDO-RS, WADO-RS, STOW-RS); its secret, if any, is set with <see cref="SetNodeSecret"/>.</summary>
    public DicomNode AddWebNode(string name, DicomWebEndpoint endpoint, DicomCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (_nodes.Any(n => n.WebBaseUrl == endpoint.BaseUrl.AbsoluteUri))
        {
            throw new DomainException($"The facility already has a DICOMweb node at {endpoint.Describe()}.");
        }

        var node = new DicomNode(Id, name, endpoint, capabilities);
        _nodes.Add(node);
        Changed();
        return node;
    }

    public void UpdateWebNode(Guid nodeId, string name, DicomWebEndpoint endpoint, DicomCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (_nodes.Any(n => n.Id != nodeId && n.WebBaseUrl == endpoint.BaseUrl.AbsoluteUri))
        {
            throw new DomainException($"The facility already has a DICOMweb node at {endpoint.Describe()}.");
        }

        FindNode(nodeId).UpdateWeb(name, endpoint, capabilities);
        Changed();
    }

    /// <summary>Keeps a DICOMweb node's password or client secret, already encrypted by the portal; null forgets it.</summary>
    public void SetNodeSecret(Guid nodeId, string? protectedSecret)
    {
        FindNode(nodeId).SetProtectedSecret(protectedSecret);
        Changed();
    }

    /// <summary>Whether the Storage SCP admits the node's AE title only from the node's host.</summary>
    public void SetNodeCallingAddressCheck(Guid nodeId, CallingAddressCheck check)
    {
        FindNode(nodeId).SetCallingAddressCheck(check);
        Changed();
    }

    public void RemoveNode(Guid nodeId)
    {
        _nodes.Remove(FindNode(nodeId));
        Changed();
    }

    /// <summary>Makes <paramref name="nodeId"/> the only import destination of the facility.</summary>
    public void SetImportDestination(Guid nodeId)
    {
        var node = FindNode(nodeId);
        if (!node.Supports(DicomCapabilities.Store))
        {
            throw new DomainException($"Node {node.Name} does not accept C-STORE, so it cannot receive imports.");
        }

        foreach (var other in _nodes)
        {
            other.IsImportDestination = other.Id == nodeId;
        }

        Changed();
    }

    public static string ValidateCode(string? code)
    {
        var value = Guard.Required(code, "The facility code", MaxCodeLength).ToUpperInvariant();
        if (!value.All(char.IsAsciiLetterOrDigit))
        {
            throw new DomainException("The facility code may only contain letters A-Z and digits.");
        }

        return value;
    }

    private void Changed() => Version = Guid.NewGuid();

    private DicomNode FindNode(Guid nodeId) =>
        _nodes.FirstOrDefault(n => n.Id == nodeId) ?? throw new DomainException("The node does not belong to this facility.");
}
