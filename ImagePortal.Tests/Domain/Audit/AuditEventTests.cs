using System.Reflection;
using ImagePortal.Domain.Audit;

namespace ImagePortal.Tests.Domain.Audit;

public sealed class AuditEventTests
{
    private static readonly AuditChainKey Key = AuditChainKey.Generate();

    private static AuditEvent NewEvent(string previous, string description = "Request REQ-2026-000001 viewed", AuditChainKey? key = null) => new(
        new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero), AuditEventType.PatientRecord, AuditAction.Read, AuditOutcome.Success,
        "user-1", "clerk.nvh", Guid.CreateVersion7(), "10.0.0.7", "NVH-0042", "REQ-2026-000001", description, previous, key ?? Key);

    [Fact]
    public void Hash_CoversThePreviousHash_SoEventsFormAChain()
    {
        var first = NewEvent(AuditEvent.GenesisHash);
        var second = NewEvent(first.Hash);

        Assert.Equal(64, first.Hash.Length);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.True(first.IsIntactUnder(Key));
        Assert.True(second.IsIntactUnder(Key));
    }

    [Fact]
    public void ItsTime_IsSealedAsEveryDatabaseKeepsIt_ToTheMicrosecond()
    {
        // 100 ns ticks below the microsecond, which PostgreSQL's timestamptz does not keep.
        var at = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.FromHours(1)).AddTicks(1_234_567);
        var written = new AuditEvent(
            at, AuditEventType.Query, AuditAction.Read, AuditOutcome.Success, null, "auditor", null, null, null, null, "x", AuditEvent.GenesisHash, Key);

        Assert.Equal(TimeSpan.Zero, written.At.Offset);
        Assert.Equal(at.UtcTicks - 7, written.At.UtcTicks);

        // Read back from a microsecond store, the event is still intact.
        var stored = written.At;
        typeof(AuditEvent).GetProperty(nameof(AuditEvent.At))!.SetValue(written, new DateTimeOffset(stored.UtcTicks / 10 * 10, TimeSpan.Zero));
        Assert.True(written.IsIntactUnder(Key));
    }

    [Theory]
    [InlineData(nameof(AuditEvent.Description), "nothing to see")]
    [InlineData(nameof(AuditEvent.PatientId), "NVH-9999")]
    [InlineData(nameof(AuditEvent.UserName), "someone.else")]
    public void ChangingAnyStoredField_IsDetected(string property, string value)
    {
        var auditEvent = NewEvent(AuditEvent.GenesisHash);

        typeof(AuditEvent).GetProperty(property, BindingFlags.Public | BindingFlags.Instance)!.SetValue(auditEvent, value);

        Assert.False(auditEvent.IsIntactUnder(Key));
    }

    [Fact]
    public void TheSeal_IsKeyed_SoOnlyTheKeyHolderCanMakeOrCheckIt()
    {
        var auditEvent = NewEvent(AuditEvent.GenesisHash);
        var otherKey = AuditChainKey.Generate();

        Assert.Equal(Key.Id, auditEvent.KeyId);
        Assert.False(auditEvent.IsIntactUnder(otherKey));
        Assert.False(auditEvent.IsIntactUnder(null));
        Assert.NotEqual(auditEvent.Hash, NewEvent(AuditEvent.GenesisHash, key: otherKey).Hash);
    }

    [Fact]
    public void AnEditedEventWithAPlainSha256_DoesNotPassAsSealed()
    {
        // The insider's move against the unkeyed chain: edit a field, then recompute the hash as SHA-256 of the fields.
        var auditEvent = NewEvent(AuditEvent.GenesisHash);
        typeof(AuditEvent).GetProperty(nameof(AuditEvent.Description))!.SetValue(auditEvent, "nothing to see");
        var canonical = string.Join('\u001f', auditEvent.PreviousHash, auditEvent.Id.ToString("N"),
            auditEvent.At.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), auditEvent.Type, auditEvent.Action,
            (int)auditEvent.Outcome, auditEvent.UserId, auditEvent.UserName, auditEvent.FacilityId?.ToString("N"), auditEvent.Address,
            auditEvent.PatientId, auditEvent.ObjectReference, auditEvent.Description, auditEvent.KeyId);
        var recomputed = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)));
        typeof(AuditEvent).GetProperty(nameof(AuditEvent.Hash))!.SetValue(auditEvent, recomputed);

        Assert.False(auditEvent.IsIntactUnder(Key));
    }

    [Fact]
    public void AKeyShorterThan256Bits_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new AuditChainKey(new byte[16]));

    [Fact]
    public void ACheckpoint_IsSealed_AndAnEditedOneDoesNotVerify()
    {
        var checkpoint = new AuditCheckpoint(1000, new string('a', 64), new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero), Key, null);
        Assert.True(checkpoint.IsAuthentic(Key));
        Assert.False(checkpoint.IsAuthentic(AuditChainKey.Generate()));

        typeof(AuditCheckpoint).GetProperty(nameof(AuditCheckpoint.Sequence))!.SetValue(checkpoint, 900L);
        Assert.False(checkpoint.IsAuthentic(Key));
    }

    [Fact]
    public void ControlCharacters_AreEncoded_SoNoLineCanBeForged()
    {
        var auditEvent = NewEvent(AuditEvent.GenesisHash, "viewed\r\n2026-11-29 admin deleted everything");

        Assert.DoesNotContain('\n', auditEvent.Description);
        Assert.DoesNotContain('\r', auditEvent.Description);
        Assert.Contains("\\u000d\\u000a", auditEvent.Description);
    }
}
