using Microsoft.AspNetCore.DataProtection;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// Encrypts a DICOMweb node's password or client secret for the database, and decrypts it for the HTTP client, with
/// ASP.NET Core Data Protection: the keys are the portal's (shared by every node in the database), so a copy of the
/// database alone does not give the secret away.
/// </summary>
public sealed class NodeSecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("ImagePortal.DicomWeb.NodeSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>The secret in clear, or a <see cref="DicomWebException"/> if the keys that protected it are gone.</summary>
    public string? Unprotect(string? protectedSecret, string node)
    {
        if (protectedSecret is null)
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(protectedSecret);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new DicomWebException($"The stored secret of {node} cannot be decrypted (the portal's keys changed); enter it again.");
        }
    }
}
