using System.Globalization;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Nodes;

internal static class NodeRules
{
    /// <summary>What a DICOMweb node can offer: search (QIDO-RS), retrieve (WADO-RS), store (STOW-RS).</summary>
    public const DicomCapabilities WebCapabilities = DicomCapabilities.Find | DicomCapabilities.Get | DicomCapabilities.Store;

    public const int MaxSecretLength = 1000;

    public static IEnumerable<string> Validate(NodeSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Name))
        {
            yield return "The node name is required.";
        }

        var problems = settings.Protocol switch
        {
            NodeProtocol.Dimse => ValidateDimse(settings),
            NodeProtocol.DicomWeb => WebNodeRules.Validate(settings),
            _ => ["Unknown node kind."],
        };
        foreach (var problem in problems)
        {
            yield return problem;
        }
    }

    private static IEnumerable<string> ValidateDimse(NodeSettings settings)
    {
        if (!AeTitle.TryParse(settings.AeTitle, out _, out var aeError))
        {
            yield return aeError;
        }

        string? hostError = null;
        try
        {
            DicomNode.ValidateHost(settings.Host);
        }
        catch (DomainException error)
        {
            hostError = error.Message;
        }

        if (hostError is not null)
        {
            yield return hostError;
        }

        if (!DicomNode.IsPort(settings.Port))
        {
            yield return DicomNode.PortOutOfRange;
        }

        if ((settings.Capabilities & ~DicomCapabilities.All) != 0)
        {
            yield return "Unknown DICOM capability.";
        }

        if (!Enum.IsDefined(settings.CallingAddressCheck))
        {
            yield return DicomNode.UnknownCallingAddressCheck;
        }

        if (settings.IsImportDestination && !DicomNode.CanBeImportDestination(settings.Capabilities))
        {
            yield return DicomNode.ImportDestinationWithoutStore;
        }
    }

    public static string Describe(DicomNode? n) => n is null
        ? "(none)"
        : n.IsDicomWeb ? WebNodeRules.Describe(n)
        : string.Create(CultureInfo.InvariantCulture,
            $"name={n.Name}, AE={n.AeTitleValue}, host={n.Host}, port={n.Port}, TLS={n.UseTls}, capabilities={n.Capabilities}, import destination={n.IsImportDestination}, calling address check={n.CallingAddressCheck}");

    public static void ApplyDestination(Facility facility, DicomNode node, bool wanted)
    {
        if (wanted)
        {
            facility.SetImportDestination(node.Id);
        }
        else if (node.IsImportDestination)
        {
            throw new DomainException("Imports need a destination: make another node the import destination instead.");
        }
    }
}
