using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// Checks the certificate a TLS client presents (PS3.15 B.1: each end authenticates the other) and keeps why it refused
/// it, for the refusal report: the handshake itself only fails with an <see cref="System.Security.Authentication.AuthenticationException"/>.
/// One instance per connection.
/// </summary>
internal sealed class ClientCertificateCheck(DicomServerOptions options)
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Why the certificate was refused; null while nothing was.</summary>
    public CallerRefusal? Refusal { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            if (!options.RequireClientCertificate)
            {
                return true;
            }

            Refusal = new CallerRefusal(AssociationRefusalReason.ClientCertificateMissing, "no client certificate was sent");
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        var problem = options.ClientCertificateAuthorities is { } authorities
            ? ChainProblem(leaf, chain, authorities)
            : SystemTrustProblem(errors, chain);
        if (problem is null)
        {
            return true;
        }

        Refusal = new CallerRefusal(AssociationRefusalReason.ClientCertificateUntrusted, $"certificate \"{leaf.Subject}\" issued by \"{leaf.Issuer}\": {problem}");
        return false;
    }

    /// <summary>Null when <paramref name="leaf"/> chains to one of <paramref name="authorities"/> (pinned: the system's roots do not count) and may be used by a client.</summary>
    private static string? ChainProblem(X509Certificate2 leaf, X509Chain? presented, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            // Intermediates the client sent help build the chain; they are never trust anchors here.
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf) ? null : Describe(chain);
    }

    private static string? SystemTrustProblem(SslPolicyErrors errors, X509Chain? chain) =>
        errors == SslPolicyErrors.None ? null : chain is not null && chain.ChainStatus.Length > 0 ? Describe(chain) : errors.ToString();

    private static string Describe(X509Chain chain) =>
        string.Join(", ", chain.ChainStatus.Select(s => Describe(s.Status)).Distinct(StringComparer.Ordinal));

    private static string Describe(X509ChainStatusFlags status) => status switch
    {
        X509ChainStatusFlags.PartialChain or X509ChainStatusFlags.UntrustedRoot => "not issued by a trusted authority",
        X509ChainStatusFlags.NotTimeValid => "expired or not yet valid",
        X509ChainStatusFlags.NotValidForUsage => "not valid for client authentication",
        X509ChainStatusFlags.Revoked => "revoked",
        X509ChainStatusFlags.NotSignatureValid => "its signature does not verify",
        _ => status.ToString(),
    };
}
