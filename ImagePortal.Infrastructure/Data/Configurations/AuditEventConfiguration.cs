using ImagePortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("AuditEvents");
        builder.HasKey(e => e.Sequence);
        builder.Property(e => e.Sequence).ValueGeneratedOnAdd();
        builder.HasIndex(e => e.Id).IsUnique();
        AuditEventColumns.Configure(builder);
        builder.Property(e => e.PreviousHash).HasMaxLength(64).IsFixedLength().IsRequired();
        builder.Property(e => e.Hash).HasMaxLength(64).IsFixedLength().IsRequired();
        builder.Property(e => e.KeyId).HasMaxLength(16);

        // One successor per event: concurrent writers cannot fork the chain (see AuditTrail).
        builder.HasIndex(e => e.PreviousHash).IsUnique();
        builder.HasIndex(e => new { e.At, e.Type });
        builder.HasIndex(e => new { e.FacilityId, e.At });

        // The auditor's two exact filters, newest first: "everything about this patient", "everything about this request".
        builder.HasIndex(e => new { e.PatientId, e.Sequence });
        builder.HasIndex(e => new { e.ObjectReference, e.Sequence });

        // A facility auditor's trail, paged newest first by sequence from a key: the page neither counts nor skips
        // rows, which at a million events cost more than the page.
        builder.HasIndex(e => new { e.FacilityId, e.Sequence });
    }
}
