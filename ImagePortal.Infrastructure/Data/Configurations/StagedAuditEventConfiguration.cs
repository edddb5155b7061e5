using ImagePortal.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class StagedAuditEventConfiguration : IEntityTypeConfiguration<StagedAuditEvent>
{
    public void Configure(EntityTypeBuilder<StagedAuditEvent> builder)
    {
        builder.ToTable("AuditOutbox");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedOnAdd();
        AuditEventColumns.Configure(builder);
    }
}
