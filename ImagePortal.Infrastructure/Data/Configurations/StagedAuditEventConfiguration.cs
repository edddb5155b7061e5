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
        builder.Property(e => e.Type).HasConversion<string>().HasMaxLength(32);
        builder.Property(e => e.Action).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Outcome).HasConversion<int>();
        builder.Property(e => e.UserId).HasMaxLength(450);
        builder.Property(e => e.UserName).HasMaxLength(256);
        builder.Property(e => e.Address).HasMaxLength(64);
        builder.Property(e => e.PatientId).HasMaxLength(64);
        builder.Property(e => e.ObjectReference).HasMaxLength(128);
        builder.Property(e => e.StudyInstanceUid).HasMaxLength(64);
        builder.Property(e => e.Description).HasMaxLength(1000).IsRequired();
    }
}
