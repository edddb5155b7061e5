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
        builder.Ignore(n => n.Web);
        builder.Property(n => n.Protocol).HasConversion<int>();
        builder.Property(n => n.WebBaseUrl).HasMaxLength(DicomWebEndpoint.MaxUrlLength);
        builder.Property(n => n.WebAuthentication).HasConversion<int>();
        builder.Property(n => n.WebUserName).HasMaxLength(DicomWebEndpoint.MaxNameLength);
        builder.Property(n => n.WebTokenUrl).HasMaxLength(DicomWebEndpoint.MaxUrlLength);
        builder.Property(n => n.WebClientId).HasMaxLength(DicomWebEndpoint.MaxNameLength);
        builder.Property(n => n.WebScope).HasMaxLength(DicomWebEndpoint.MaxUrlLength);
        builder.Property(n => n.WebPinnedCaPem).HasMaxLength(DicomWebEndpoint.MaxPinnedCaLength);
        builder.Property(n => n.ProtectedSecret).HasMaxLength(DicomNode.MaxProtectedSecretLength);
        builder.Property(n => n.Host).HasMaxLength(DicomNode.MaxHostLength).IsRequired();
        builder.Property(n => n.Capabilities).HasConversion<int>();
        builder.Property(n => n.CallingAddressCheck).HasConversion<int>();
        builder.Property(n => n.LastEchoError).HasMaxLength(DicomNode.MaxEchoErrorLength);
        builder.HasIndex(n => new { n.FacilityId, n.AeTitleValue });
    }
}
