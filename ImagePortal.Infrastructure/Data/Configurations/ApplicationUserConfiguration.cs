using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class ApplicationUserConfiguration : IEntityTypeConfiguration<ApplicationUser>
{
    public void Configure(EntityTypeBuilder<ApplicationUser> builder)
    {
        builder.Property(u => u.DisplayName).HasMaxLength(200).IsRequired();
        builder.HasOne<Facility>().WithMany().HasForeignKey(u => u.FacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(u => u.FacilityId);
    }
}
