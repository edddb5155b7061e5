using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.DicomWeb;

namespace ImagePortal.Web.Features.Administration.Nodes;

/// <summary>
/// The checks and steps of adding or editing a DICOMweb node that are the page's, not the Domain's: which services a
/// node may offer here, what the write-only secret field means, and an audit description that never holds the secret.
/// The endpoint itself (URL, authentication, CA, timeout) is validated by <see cref="DicomWebEndpoint.Create"/>.
/// </summary>
internal static class WebNodeRules
{
    public static IEnumerable<string> Validate(NodeSettings settings)
    {
        if (settings.Web is not { } web)
        {
            yield return "A DICOMweb node needs its base URL and authentication.";
            yield break;
        }

        string? endpointError = null;
        try
        {
            web.ToEndpoint();
        }
        catch (DomainException error)
        {
            endpointError = error.Message;
        }

        if (endpointError is not null)
        {
            yield return endpointError;
        }

        if ((settings.Capabilities & ~NodeRules.WebCapabilities) != 0)
        {
            yield return "A DICOMweb node offers search (QIDO-RS), retrieve (WADO-RS) and store (STOW-RS) only.";
        }

        if (settings.IsImportDestination && !settings.Capabilities.HasFlag(DicomCapabilities.Store))
        {
            yield return "The import destination must accept STOW-RS.";
        }

        if (web.Secret is { Length: > NodeRules.MaxSecretLength })
        {
            yield return $"The password or client secret must be at most {NodeRules.MaxSecretLength} characters.";
        }

        if (web.HasNewSecret && web.ClearSecret)
        {
            yield return "Either enter a new password or client secret, or clear the stored one, not both.";
        }

        if (web.HasNewSecret && web.Authentication == WebAuthentication.None)
        {
            yield return "Without authentication the node takes no password or client secret.";
        }
    }

    /// <summary>Adds the node, with its secret encrypted; a node whose authentication needs a secret gets one now.</summary>
    public static DicomNode Add(Facility facility, NodeSettings settings, NodeSecretProtector secrets)
    {
        var web = settings.Web!;
        var endpoint = web.ToEndpoint();
        if (endpoint.NeedsSecret && !web.HasNewSecret)
        {
            throw new DomainException(endpoint.Authentication == WebAuthentication.Basic
                ? "HTTP basic authentication needs a password."
                : "OAuth 2.0 client credentials need a client secret.");
        }

        var node = facility.AddWebNode(settings.Name, endpoint, settings.Capabilities);
        if (web.HasNewSecret)
        {
            facility.SetNodeSecret(node.Id, secrets.Protect(web.Secret!));
        }

        return node;
    }

    /// <summary>Edits the node; an empty secret keeps the stored one (unless the identity changed), "clear" forgets it.</summary>
    public static void Update(Facility facility, Guid nodeId, NodeSettings settings, NodeSecretProtector secrets)
    {
        var web = settings.Web!;
        if (facility.Nodes.FirstOrDefault(n => n.Id == nodeId) is { IsDicomWeb: false })
        {
            throw new DomainException("The node is a DIMSE node; remove it and add a DICOMweb node instead.");
        }

        facility.UpdateWebNode(nodeId, settings.Name, web.ToEndpoint(), settings.Capabilities);
        if (web.HasNewSecret)
        {
            facility.SetNodeSecret(nodeId, secrets.Protect(web.Secret!));
        }
        else if (web.ClearSecret)
        {
            facility.SetNodeSecret(nodeId, null);
        }
    }

    /// <summary>The audit's one-line description: whether a secret is stored and a short fingerprint of its ciphertext, never the secret.</summary>
    public static string Describe(DicomNode n) => string.Create(CultureInfo.InvariantCulture,
        $"name={n.Name}, kind=DICOMweb, base URL={n.WebBaseUrl}, authentication={n.WebAuthentication}, user={n.WebUserName ?? "-"}, " +
        $"token URL={n.WebTokenUrl ?? "-"}, client id={n.WebClientId ?? "-"}, scope={n.WebScope ?? "-"}, pinned CA={PinnedCa(n.WebPinnedCaPem)}, " +
        $"timeout={n.WebTimeoutSeconds} s, capabilities={n.Capabilities}, import destination={n.IsImportDestination}, " +
        $"secret={(n.ProtectedSecret is null ? "none" : "stored #" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(n.ProtectedSecret)))[..8])}");

    private static string PinnedCa(string? pem)
    {
        if (pem is null)
        {
            return "none";
        }

        try
        {
            var certificate = DicomWebTransport.ReadCertificates(pem)[0];
            return $"{certificate.Subject} (SHA-256 {certificate.GetCertHashString(HashAlgorithmName.SHA256)[..16]})";
        }
        catch (HttpRequestException)
        {
            return "unreadable";
        }
    }
}
