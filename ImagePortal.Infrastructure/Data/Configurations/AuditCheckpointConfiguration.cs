using ImagePortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        builder.ToTable("AuditCheckpoints");
        builder.HasKey(c => c.Sequence);
        builder.Property(c => c.Sequence).ValueGeneratedNever();
        builder.Property(c => c.Hash).HasMaxLength(64).IsFixedLength().IsRequired();
        builder.Property(c => c.KeyId).HasMaxLength(16).IsRequired();
        builder.Property(c => c.Seal).HasMaxLength(64).IsFixedLength().IsRequired();
        builder.HasIndex(c => c.ExportedAt);
    }
}
