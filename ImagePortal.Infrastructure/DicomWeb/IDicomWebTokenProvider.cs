namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// Gives the bearer token for a node whose <see cref="DicomWebOptions.Authentication"/> is
/// <see cref="DicomWebAuthentication.Bearer"/> (an OAuth 2.0 client-credentials flow, a managed identity, a fixed
/// token). Called before every request, so it caches and renews the token itself.
/// </summary>
public interface IDicomWebTokenProvider
{
    ValueTask<string> GetTokenAsync(DicomWebOptions node, CancellationToken cancellationToken);
}
