using ImagePortal.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class AuditExportStateConfiguration : IEntityTypeConfiguration<AuditExportState>
{
    public void Configure(EntityTypeBuilder<AuditExportState> builder)
    {
        builder.ToTable("AuditExports");
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(32);
        builder.Property(s => s.LastError).HasMaxLength(1000);
        builder.Property(s => s.LeaseOwner).HasMaxLength(200);
    }
}
