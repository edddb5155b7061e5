using Microsoft.Extensions.Configuration;

namespace ImagePortal.Infrastructure;

/// <summary>
/// The application's data folder: <c>Storage:DataDirectory</c>, relative to the content root, default <c>App_Data</c>.
/// The SQLite file, the audit chain key, the spool and quarantine, the demo PACS and the viewing cache all live under it,
/// so it is resolved here only: every part of the portal must agree on where that is.
/// </summary>
public static class DataDirectory
{
    public const string ConfigurationKey = "Storage:DataDirectory";

    public const string DefaultFolder = "App_Data";

    /// <summary>The data folder's full path.</summary>
    public static string Resolve(IConfiguration configuration, string contentRoot) =>
        Path.GetFullPath(configuration[ConfigurationKey] is { Length: > 0 } configured ? configured : DefaultFolder, contentRoot);

    /// <summary>
    /// The full path of a folder setting (the spool, the viewing cache, the demo PACS): relative to the data folder,
    /// <paramref name="defaultName"/> when the setting is empty. An absolute setting stays as it is.
    /// </summary>
    public static string Folder(IConfiguration configuration, string contentRoot, string? setting, string defaultName) =>
        Path.GetFullPath(setting is { Length: > 0 } ? setting : defaultName, Resolve(configuration, contentRoot));
}
