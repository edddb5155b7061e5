using ImagePortal.Domain.Audit;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>The key that seals new audit events, and the older keys that still verify what they sealed.</summary>
public sealed class AuditKeyRing
{
    private readonly Dictionary<string, AuditChainKey> _keys;

    public AuditKeyRing(AuditChainKey current, IEnumerable<AuditChainKey> previous)
    {
        Current = current;
        _keys = previous.Append(current).DistinctBy(k => k.Id).ToDictionary(k => k.Id, StringComparer.Ordinal);
    }

    public AuditChainKey Current { get; }

    /// <summary>The key with that id, or null when this portal does not hold it (or the event predates keys).</summary>
    public AuditChainKey? Find(string? keyId) => keyId is not null && _keys.TryGetValue(keyId, out var key) ? key : null;

    /// <summary>
    /// Reads the key from <c>Audit:ChainKey</c>, <c>Audit:ChainKeyFile</c> or the default file. A missing default file
    /// is created only where <paramref name="mayCreate"/> (a developer's machine, a demo server); in production a
    /// key that appears on its own would differ between nodes and be lost with the server, so the start stops instead.
    /// </summary>
    public static AuditKeyRing Load(AuditOptions options, string defaultFile, bool mayCreate, ILogger logger)
    {
        var previous = options.PreviousChainKeys.Select(k => Parse(k, "Audit:PreviousChainKeys")).ToList();
        if (!string.IsNullOrWhiteSpace(options.ChainKey))
        {
            return new AuditKeyRing(Parse(options.ChainKey, "Audit:ChainKey"), previous);
        }

        var file = string.IsNullOrWhiteSpace(options.ChainKeyFile) ? defaultFile : options.ChainKeyFile;
        if (File.Exists(file))
        {
            return new AuditKeyRing(Parse(File.ReadAllText(file), file), previous);
        }

        if (!string.IsNullOrWhiteSpace(options.ChainKeyFile) || !mayCreate)
        {
            throw new InvalidOperationException(
                $"The audit chain key file {file} does not exist. Create one with 32 random bytes in base64 " +
                "(for example: openssl rand -base64 32 > audit-chain.key; chmod 600 audit-chain.key), give every web and worker " +
                "node the same key through Audit:ChainKeyFile or Audit:ChainKey, and keep a copy apart from the database's backups.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        WriteNewSecret(file);
        logger.LogWarning("Created a new audit chain key at {File}. Fine for development and demos; a production server is given its own (Audit:ChainKeyFile).", file);
        return new AuditKeyRing(Parse(File.ReadAllText(file), file), previous);
    }

    private static void WriteNewSecret(string file)
    {
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(AuditChainKey.MinimumLength);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(file, options);
            using var writer = new StreamWriter(stream);
            writer.WriteLine(Convert.ToBase64String(secret));
        }
        catch (IOException) when (File.Exists(file))
        {
            // Another process of the same installation created it first; both read that one.
        }
    }

    private static AuditChainKey Parse(string base64, string source)
    {
        try
        {
            return new AuditChainKey(Convert.FromBase64String(base64.Trim()));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new InvalidOperationException($"The audit chain key from {source} is not usable: {ex.Message} It must be at least {AuditChainKey.MinimumLength} random bytes in base64.", ex);
        }
    }
}
