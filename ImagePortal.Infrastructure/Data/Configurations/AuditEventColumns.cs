using ImagePortal.Domain.Audit;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

/// <summary>
/// The columns an audit event has both staged (<c>AuditOutbox</c>) and sealed (<c>AuditEvents</c>): a staged row becomes a
/// sealed one, so the two must take the same values, and are configured here once.
/// </summary>
internal static class AuditEventColumns
{
    public static void Configure<T>(EntityTypeBuilder<T> builder)
        where T : class
    {
        builder.Property(nameof(AuditEvent.Type)).HasConversion<string>().HasMaxLength(32);
        builder.Property(nameof(AuditEvent.Action)).HasConversion<string>().HasMaxLength(16);
        builder.Property(nameof(AuditEvent.Outcome)).HasConversion<int>();
        builder.Property(nameof(AuditEvent.UserId)).HasMaxLength(450);
        builder.Property(nameof(AuditEvent.UserName)).HasMaxLength(256);
        builder.Property(nameof(AuditEvent.Address)).HasMaxLength(64);
        builder.Property(nameof(AuditEvent.PatientId)).HasMaxLength(64);
        builder.Property(nameof(AuditEvent.ObjectReference)).HasMaxLength(128);
        builder.Property(nameof(AuditEvent.StudyInstanceUid)).HasMaxLength(64);
        builder.Property(nameof(AuditEvent.Description)).HasMaxLength(1000).IsRequired();
    }
}
