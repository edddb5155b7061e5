using System.Reflection;
using ImagePortal.Domain.Audit;

namespace ImagePortal.Tests.Domain.Audit;

public sealed class AuditEventTests
{
    private static AuditEvent NewEvent(string previous, string description = "Request REQ-2026-000001 viewed") => new(
        new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero), AuditEventType.PatientRecord, AuditAction.Read, AuditOutcome.Success,
        "user-1", "clerk.nvh", Guid.CreateVersion7(), "10.0.0.7", "NVH-0042", "REQ-2026-000001", description, previous);

    [Fact]
    public void Hash_CoversThePreviousHash_SoEventsFormAChain()
    {
        var first = NewEvent(AuditEvent.GenesisHash);
        var second = NewEvent(first.Hash);

        Assert.Equal(64, first.Hash.Length);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.True(first.IsIntact);
        Assert.True(second.IsIntact);
    }

    [Theory]
    [InlineData(nameof(AuditEvent.Description), "nothing to see")]
    [InlineData(nameof(AuditEvent.PatientId), "NVH-9999")]
    [InlineData(nameof(AuditEvent.UserName), "someone.else")]
    public void ChangingAnyStoredField_IsDetected(string property, string value)
    {
        var auditEvent = NewEvent(AuditEvent.GenesisHash);

        typeof(AuditEvent).GetProperty(property, BindingFlags.Public | BindingFlags.Instance)!.SetValue(auditEvent, value);

        Assert.False(auditEvent.IsIntact);
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
