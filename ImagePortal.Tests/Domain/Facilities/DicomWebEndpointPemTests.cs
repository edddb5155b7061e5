using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Tests.Domain.Facilities;

/// <summary>A pinned CA is pasted as PEM, which is lines: its line breaks are the format, not control characters to refuse.</summary>
public sealed class DicomWebEndpointPemTests
{
    private const string Pem = "-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\n-----END CERTIFICATE-----\r\n";

    [Fact]
    public void APastedPem_WithItsLineBreaks_IsKept_WithUnixLineEnds()
    {
        var endpoint = DicomWebEndpoint.Create("https://pacs.example.org/dicom-web/", WebAuthentication.None, pinnedCaPem: Pem);

        Assert.Equal("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----", endpoint.PinnedCaPem);
    }

    [Fact]
    public void APemWithOtherControlCharacters_IsRefused()
    {
        var error = Assert.Throws<DomainException>(() =>
            DicomWebEndpoint.Create("https://pacs.example.org/dicom-web/", WebAuthentication.None, pinnedCaPem: Pem.Replace("MIIB", "MI\u0007B", StringComparison.Ordinal)));

        Assert.Equal("The pinned CA certificate must not contain control characters other than line breaks.", error.Message);
    }
}
