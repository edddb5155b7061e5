using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Features.Administration;

/// <summary>The portal with DICOM settings from configuration (AE title, port, an allowed calling AE) for the tests to replace.</summary>
public sealed class PortalDicomSettingsFixture : UseCaseFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Dicom:AeTitle"] = "CONFIGURED_AE",
        ["Dicom:Port"] = "11999",
        ["Dicom:AllowedCallingAeTitles:0"] = "NVH_PACS",
    };
}
