using ImagePortal.Domain.Facilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class DicomNodeConfiguration : IEntityTypeConfiguration<DicomNode>
{
    public void Configure(EntityTypeBuilder<DicomNode> builder)
    {
        builder.ToTable("DicomNodes");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).ValueGeneratedNever();
        builder.Property(n => n.Name).HasMaxLength(100).IsRequired();
        builder.Property(n => n.AeTitleValue).HasColumnName("AeTitle").HasMaxLength(AeTitle.MaxLength).IsRequired();
        builder.Ignore(n => n.AeTitle);
        builder.Property(n => n.Host).HasMaxLength(DicomNode.MaxHostLength).IsRequired();
        builder.Property(n => n.Capabilities).HasConversion<int>();
        builder.Property(n => n.CallingAddressCheck).HasConversion<int>();
        builder.Property(n => n.LastEchoError).HasMaxLength(DicomNode.MaxEchoErrorLength);
        builder.HasIndex(n => new { n.FacilityId, n.AeTitleValue });
    }
}
