namespace ImagePortal.Infrastructure.Demo;

/// <summary>
/// The <c>Demo</c> section. When enabled, every seeded facility node on loopback gets an in-process demo PACS
/// (our SCP over a file store) at its AE title and port, filled with generated studies on first start.
/// </summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>On in the shipped appsettings.json; turn it off for a real installation.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Outside Development the portal refuses to start while the demo PACS are on or seed users have the published demo
    /// passwords, unless this is true (a training server, the test suite); then it starts and logs a warning.
    /// </summary>
    public bool AllowOutsideDevelopment { get; set; }

    /// <summary>Where the demo PACS keep their files, relative to <c>Storage:DataDirectory</c>; one folder per AE title.</summary>
    public string Folder { get; set; } = "demo-pacs";
}
