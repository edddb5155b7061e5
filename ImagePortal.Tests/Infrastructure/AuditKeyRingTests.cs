using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Tests.Infrastructure;

public sealed class AuditKeyRingTests
{
    [Fact]
    public void InProduction_AMissingKey_StopsTheStart_SayingHowToMakeOne()
    {
        using var folder = new TempDirectory("key-ring");
        var file = folder.Combine("keys/audit-chain.key");

        var error = Assert.Throws<InvalidOperationException>(() => AuditKeyRing.Load(new AuditOptions(), file, mayCreate: false, NullLogger.Instance));

        Assert.Contains(file, error.Message);
        Assert.Contains("Audit:ChainKeyFile", error.Message);
        Assert.Contains("openssl rand -base64 32", error.Message);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void OnADeveloperMachine_TheKeyIsCreatedOnce_ReadableOnlyByItsOwner_AndKeptAcrossStarts()
    {
        using var folder = new TempDirectory("key-ring");
        var file = folder.Combine("keys/audit-chain.key");

        var first = AuditKeyRing.Load(new AuditOptions(), file, mayCreate: true, NullLogger.Instance);
        var second = AuditKeyRing.Load(new AuditOptions(), file, mayCreate: true, NullLogger.Instance);

        Assert.Equal(first.Current.Id, second.Current.Id);
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(file).Trim()).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public void AConfiguredKey_WinsOverTheFile_AndPreviousKeysStillVerify()
    {
        using var folder = new TempDirectory("key-ring");
        var secret = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var old = Convert.ToBase64String(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());

        var ring = AuditKeyRing.Load(new AuditOptions { ChainKey = secret, PreviousChainKeys = [old] }, folder.Combine("unused.key"), mayCreate: true, NullLogger.Instance);

        Assert.Equal(new AuditChainKey(Convert.FromBase64String(secret)).Id, ring.Current.Id);
        Assert.NotNull(ring.Find(new AuditChainKey(Convert.FromBase64String(old)).Id));
        Assert.Null(ring.Find("0123456789abcdef"));
        Assert.False(File.Exists(folder.Combine("unused.key")));
    }

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("c2hvcnQ=")]
    public void AnUnusableKey_IsRefused_NamingWhereItCameFrom(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            AuditKeyRing.Load(new AuditOptions { ChainKey = value }, "/nonexistent", mayCreate: false, NullLogger.Instance));

        Assert.Contains("Audit:ChainKey", error.Message);
        Assert.Contains("at least 32 random bytes", error.Message);
    }
}
