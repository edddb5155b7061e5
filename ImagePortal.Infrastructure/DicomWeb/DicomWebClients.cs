namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>Makes the <see cref="DicomWebClient"/> of a node, over the shared, resilient HTTP client.</summary>
public sealed class DicomWebClients(IHttpClientFactory factory, IEnumerable<IDicomWebTokenProvider> tokens)
{
    public DicomWebClient For(DicomWebOptions node) =>
        new(factory.CreateClient(DicomWebRegistration.HttpClientName), node, tokens.FirstOrDefault());
}
