using ImagePortal.Infrastructure.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class ReportFigureConfiguration : IEntityTypeConfiguration<ReportFigure>
{
    public void Configure(EntityTypeBuilder<ReportFigure> builder)
    {
        builder.ToTable("ReportFigures");

        // Grain and kind first: each of the report's queries asks for one or a few kinds over a range of days or months.
        builder.HasKey(f => new { f.Grain, f.Kind, f.DayFiled, f.RequestingFacilityId, f.SourceFacilityId, f.Code });

        // The same order with the value: on SQLite and PostgreSQL (whose tables are not clustered on the key) the report
        // is answered from this index alone, without a lookup per row.
        builder.HasIndex(f => new { f.Grain, f.Kind, f.DayFiled, f.RequestingFacilityId, f.SourceFacilityId, f.Code, f.Value })
            .HasDatabaseName("IX_ReportFigures_Covering");
    }
}
