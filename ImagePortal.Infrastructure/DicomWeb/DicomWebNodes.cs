using ImagePortal.Domain.Facilities;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>The <see cref="DicomWebClient"/> of a facility's DICOMweb node: its endpoint, with its secret decrypted.</summary>
public sealed class DicomWebNodes(DicomWebClients clients, NodeSecretProtector secrets)
{
    public DicomWebClient ClientFor(DicomNode node) => clients.For(OptionsFor(node));

    public DicomWebOptions OptionsFor(DicomNode node)
    {
        var endpoint = node.Web ?? throw new InvalidOperationException($"Node {node.Name} is not a DICOMweb node.");
        var secret = secrets.Unprotect(node.ProtectedSecret, $"node {node.Name}");
        return new DicomWebOptions
        {
            BaseUrl = endpoint.BaseUrl,
            Authentication = endpoint.Authentication switch
            {
                WebAuthentication.Basic => DicomWebAuthentication.Basic,
                WebAuthentication.ClientCredentials => DicomWebAuthentication.Bearer,
                _ => DicomWebAuthentication.None,
            },
            UserName = endpoint.UserName,
            Password = endpoint.Authentication == WebAuthentication.Basic ? secret : null,
            TokenUrl = endpoint.TokenUrl,
            ClientId = endpoint.ClientId,
            ClientSecret = endpoint.Authentication == WebAuthentication.ClientCredentials ? secret : null,
            Scope = endpoint.Scope,
            PinnedCaPem = endpoint.PinnedCaPem,
            Timeout = TimeSpan.FromSeconds(endpoint.TimeoutSeconds),
        };
    }
}
