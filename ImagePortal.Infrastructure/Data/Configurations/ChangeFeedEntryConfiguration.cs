using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class ChangeFeedEntryConfiguration : IEntityTypeConfiguration<ChangeFeedEntry>
{
    public void Configure(EntityTypeBuilder<ChangeFeedEntry> builder)
    {
        builder.ToTable("ChangeFeed");
        builder.HasKey(e => e.Sequence);
        builder.Property(e => e.Sequence).ValueGeneratedOnAdd();
        builder.Property(e => e.Origin).HasMaxLength(64).IsRequired();
        builder.Property(e => e.Keys).IsRequired();
        builder.Ignore(e => e.KeyList);
        // Pruning deletes by age.
        builder.HasIndex(e => e.At);
    }
}
