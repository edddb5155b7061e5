using ImagePortal.Domain.Facilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class AgreementConfiguration : IEntityTypeConfiguration<Agreement>
{
    public void Configure(EntityTypeBuilder<Agreement> builder)
    {
        builder.ToTable("Agreements");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.Type).HasConversion<string>().HasMaxLength(32);
        builder.Property(a => a.ModalityScope).HasMaxLength(200).IsRequired();
        builder.Ignore(a => a.Modalities);
        builder.Property(a => a.Version).IsConcurrencyToken();
        builder.HasOne<Facility>().WithMany().HasForeignKey(a => a.RequestingFacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Facility>().WithMany().HasForeignKey(a => a.SourceFacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(a => new { a.RequestingFacilityId, a.SourceFacilityId });
    }
}
