using System.Security.Cryptography;
using System.Text;

namespace ImagePortal.Domain.Audit;

/// <summary>
/// The secret that seals the audit chain. Each event's hash is an HMAC under this key, so someone who can write to the
/// database but does not hold the key (kept in a file or a secret store, never in the database) cannot recompute the
/// chain after editing or removing an event. The id names the key in every event without revealing it, so a trail
/// sealed under several keys over the years (rotation) can still be verified.
/// </summary>
public sealed class AuditChainKey
{
    /// <summary>At least 256 bits, as HMAC-SHA256 wants (RFC 2104 section 3).</summary>
    public const int MinimumLength = 32;

    private readonly byte[] _secret;

    public AuditChainKey(ReadOnlySpan<byte> secret)
    {
        if (secret.Length < MinimumLength)
        {
            throw new ArgumentException($"An audit chain key needs at least {MinimumLength} bytes; this one has {secret.Length}.", nameof(secret));
        }

        _secret = secret.ToArray();
        Id = Convert.ToHexStringLower(SHA256.HashData([.. "imageportal-audit-key-id\u001f"u8, .. secret]))[..16];
    }

    /// <summary>A public fingerprint of the key (16 hex digits): which key sealed an event, never the key itself.</summary>
    public string Id { get; }

    public static AuditChainKey Generate() => new(RandomNumberGenerator.GetBytes(MinimumLength));

    /// <summary>HMAC-SHA256 of the text, as 64 lower-case hex digits.</summary>
    public string Seal(string canonical) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(canonical)));

    /// <summary>Compares in constant time, so a forger learns nothing from how long a refusal takes.</summary>
    public bool Verify(string canonical, string seal) =>
        seal.Length == 64 &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Seal(canonical)), Encoding.ASCII.GetBytes(seal));
}
