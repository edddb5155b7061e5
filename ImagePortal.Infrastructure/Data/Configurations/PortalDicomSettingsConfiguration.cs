using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class PortalDicomSettingsConfiguration : IEntityTypeConfiguration<PortalDicomSettings>
{
    public void Configure(EntityTypeBuilder<PortalDicomSettings> builder)
    {
        builder.ToTable("PortalDicomSettings");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.AeTitleValue).HasColumnName("AeTitle").HasMaxLength(AeTitle.MaxLength).IsRequired();
        builder.Ignore(s => s.AeTitle);
        builder.Ignore(s => s.AllowedCallingAeTitleList);
        builder.Property(s => s.AllowedCallingAeTitles).HasMaxLength(4000).IsRequired();
        builder.Property(s => s.Version).IsConcurrencyToken();
    }
}
