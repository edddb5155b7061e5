using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class ImageRequestConfiguration : IEntityTypeConfiguration<ImageRequest>
{
    public void Configure(EntityTypeBuilder<ImageRequest> builder)
    {
        builder.ToTable("ImageRequests");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Number).HasMaxLength(20).IsRequired();
        builder.HasIndex(r => r.Number).IsUnique();

        // The second of two simultaneous decisions fails on this token, on SQLite as on SQL Server.
        builder.Property(r => r.Version).IsConcurrencyToken();

        builder.ComplexProperty(r => r.Patient, patient =>
        {
            patient.Property(p => p.FamilyName).HasColumnName("PatientFamilyName").HasMaxLength(64);
            patient.Property(p => p.GivenName).HasColumnName("PatientGivenName").HasMaxLength(64);
            patient.Property(p => p.BirthDate).HasColumnName("PatientBirthDate");
            patient.Property(p => p.Sex).HasColumnName("PatientSex").HasConversion<string>().HasMaxLength(16);
            patient.Property(p => p.SourceMrn).HasColumnName("PatientSourceMrn").HasMaxLength(64);
            patient.Property(p => p.LocalMrn).HasColumnName("PatientLocalMrn").HasMaxLength(64);
        });

        builder.Property(r => r.PatientNameKey).HasMaxLength(129).IsRequired();

        builder.Property(r => r.ModalityScope).HasMaxLength(200).IsRequired();
        builder.Property(r => r.StudyDescription).HasMaxLength(200);
        builder.Property(r => r.AccessionNumber).HasMaxLength(16);
        builder.Property(r => r.ClinicalReason).HasMaxLength(ImageRequest.MaxClinicalReasonLength).IsRequired();
        builder.Property(r => r.Priority).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(24);
        builder.Property(r => r.DenialReason).HasConversion<string>().HasMaxLength(40);
        builder.Property(r => r.DecisionNote).HasMaxLength(1000);
        builder.Property(r => r.RequestedByUserId).HasMaxLength(450).IsRequired();
        builder.Property(r => r.ClaimedByUserId).HasMaxLength(450);
        builder.Property(r => r.DecidedByUserId).HasMaxLength(450);
        builder.Ignore(r => r.IsOpen);

        builder.HasOne<Facility>().WithMany().HasForeignKey(r => r.RequestingFacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Facility>().WithMany().HasForeignKey(r => r.SourceFacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => new { r.SourceFacilityId, r.Status, r.DueAt });
        // The clerk's queues (open, waiting, overdue) count by status within the facility, as the approver's do.
        builder.HasIndex(r => new { r.RequestingFacilityId, r.Status, r.DueAt });
        // Denials of a period (the auditor's home).
        builder.HasIndex(r => new { r.Status, r.DecidedAt });
        builder.HasIndex(r => new { r.RequestingFacilityId, r.CreatedAt });
        // Network-wide reports select the requests filed in a period, whichever facility filed them.
        builder.HasIndex(r => r.CreatedAt);
        // The clerk's list searched by the start of a name, and sorted by patient, within the facility. (The searches by
        // MRN have indexes too, (RequestingFacilityId, PatientLocalMrn) and (..., PatientSourceMrn), made in the
        // migration AuditAndSearchScale: EF does not index the columns of a complex property.)
        builder.HasIndex(r => new { r.RequestingFacilityId, r.PatientNameKey, r.Number });

        builder.OwnsMany(r => r.Studies, study =>
        {
            study.ToTable("RequestedStudies");
            study.WithOwner().HasForeignKey(s => s.RequestId);
            study.Property<int>("Id");
            study.HasKey("Id");
            study.Property(s => s.StudyInstanceUid).HasMaxLength(64).IsRequired();
            study.Property(s => s.Modalities).HasMaxLength(64).IsRequired();
            study.Property(s => s.Description).HasMaxLength(64);
            study.Property(s => s.AccessionNumber).HasMaxLength(16);
            study.Property(s => s.SourcePatientId).HasMaxLength(64);
            study.Property(s => s.SourceIssuerOfPatientId).HasMaxLength(64);
            study.Property(s => s.SourcePatientName).HasMaxLength(324);
            study.Ignore(s => s.SourcePatient);
            study.HasIndex(s => new { s.RequestId, s.StudyInstanceUid }).IsUnique();
        });
        builder.Navigation(r => r.Studies).HasField("_studies").UsePropertyAccessMode(PropertyAccessMode.Field);

        builder.HasMany(r => r.Events).WithOne().HasForeignKey(e => e.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(r => r.Events).HasField("_events").UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class RequestEventConfiguration : IEntityTypeConfiguration<RequestEvent>
{
    public void Configure(EntityTypeBuilder<RequestEvent> builder)
    {
        builder.ToTable("RequestEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(e => e.UserId).HasMaxLength(450);
        builder.Property(e => e.Text).HasMaxLength(2000);
        builder.HasIndex(e => new { e.RequestId, e.At });
        // The latest changes (the clerk's home), read newest first until a few are found.
        builder.HasIndex(e => e.At);
    }
}
