using ImagePortal.Domain.Facilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class FacilityConfiguration : IEntityTypeConfiguration<Facility>
{
    public void Configure(EntityTypeBuilder<Facility> builder)
    {
        builder.ToTable("Facilities");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Id).ValueGeneratedNever();
        builder.Property(f => f.Name).HasMaxLength(200).IsRequired();
        builder.Property(f => f.Code).HasMaxLength(Facility.MaxCodeLength).IsRequired();
        builder.HasIndex(f => f.Code).IsUnique();
        builder.Property(f => f.Region).HasMaxLength(100).IsRequired();
        builder.Property(f => f.PatientIdIssuer).HasMaxLength(64).IsRequired();
        builder.Property(f => f.TimeZoneId).HasMaxLength(64).IsRequired();
        builder.Property(f => f.ContactPhone).HasMaxLength(50);
        builder.Property(f => f.ContactEmail).HasMaxLength(254);
        builder.Property(f => f.AccessionPolicy).HasConversion<string>().HasMaxLength(32);
        builder.Property(f => f.DemographicsPolicy).HasConversion<string>().HasMaxLength(32);
        builder.ComplexProperty(f => f.DueTimes, dueTimes =>
        {
            dueTimes.Property(d => d.Stat).HasColumnName("StatDue");
            dueTimes.Property(d => d.Urgent).HasColumnName("UrgentDue");
            dueTimes.Property(d => d.RoutineWorkingDays).HasColumnName("RoutineDueWorkingDays");
        });
        builder.Property(f => f.Version).IsConcurrencyToken();
        builder.Ignore(f => f.ImportDestination);
        builder.HasMany(f => f.Nodes).WithOne().HasForeignKey(n => n.FacilityId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(f => f.Nodes).HasField("_nodes").UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
