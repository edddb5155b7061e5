using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ImagePortal.Infrastructure.Data.Configurations;

internal sealed class RetrievalJobConfiguration : IEntityTypeConfiguration<RetrievalJob>
{
    public void Configure(EntityTypeBuilder<RetrievalJob> builder)
    {
        builder.ToTable("RetrievalJobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Id).ValueGeneratedNever();
        builder.Property(j => j.State).HasConversion<string>().HasMaxLength(24);
        builder.Property(j => j.LeaseOwner).HasMaxLength(100);
        builder.Property(j => j.LastError).HasMaxLength(RetrievalJob.MaxErrorLength);
        builder.Ignore(j => j.IsFinished);

        // One job per request: a replayed approval cannot queue a second one.
        builder.HasOne<ImageRequest>().WithOne().HasForeignKey<RetrievalJob>(j => j.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(j => j.RequestId).IsUnique();

        // What the lease query scans: due queued jobs and running jobs whose lease ran out.
        builder.HasIndex(j => new { j.State, j.NextAttemptAt });
        // Imports that ended well in a period (imported today, this month).
        builder.HasIndex(j => new { j.State, j.FinishedAt });
        // The Jobs board of either side: the facility's jobs newest first, and those of one state newest first,
        // so that its running, failed and queued jobs come first without sorting every job the facility ever had. The
        // state leads: led by the facility, SQLite chose that index for "every other state" too, and sorted.
        builder.HasIndex(j => new { j.RequestingFacilityId, j.CreatedAt });
        builder.HasIndex(j => new { j.SourceFacilityId, j.CreatedAt });
        builder.HasIndex(j => new { j.State, j.RequestingFacilityId, j.CreatedAt });
        builder.HasIndex(j => new { j.State, j.SourceFacilityId, j.CreatedAt });

        builder.HasMany(j => j.Studies).WithOne().HasForeignKey(s => s.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(j => j.Studies).HasField("_studies").UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class RetrievalStudyProgressConfiguration : IEntityTypeConfiguration<RetrievalStudyProgress>
{
    public void Configure(EntityTypeBuilder<RetrievalStudyProgress> builder)
    {
        builder.ToTable("RetrievalStudies");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.StudyInstanceUid).HasMaxLength(64).IsRequired();
        builder.HasIndex(s => new { s.JobId, s.StudyInstanceUid }).IsUnique();
    }
}

internal sealed class ImportedInstanceConfiguration : IEntityTypeConfiguration<ImportedInstance>
{
    public void Configure(EntityTypeBuilder<ImportedInstance> builder)
    {
        builder.ToTable("ImportedInstances");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.SopInstanceUid).HasMaxLength(64).IsRequired();
        builder.Property(i => i.StudyInstanceUid).HasMaxLength(64).IsRequired();

        // The exactly-once ledger: an instance is in a destination at most once, whichever job or worker stored it.
        builder.HasIndex(i => new { i.SopInstanceUid, i.DestinationNodeId }).IsUnique();
        builder.HasIndex(i => i.JobId);

        // "Is any of this study at that destination already?": a job's first attempt asks before it retrieves whole studies.
        builder.HasIndex(i => new { i.DestinationNodeId, i.StudyInstanceUid });
        builder.HasOne<DicomNode>().WithMany().HasForeignKey(i => i.DestinationNodeId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class FailedInstanceConfiguration : IEntityTypeConfiguration<FailedInstance>
{
    public void Configure(EntityTypeBuilder<FailedInstance> builder)
    {
        builder.ToTable("FailedInstances");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.SopInstanceUid).HasMaxLength(64).IsRequired();
        builder.Property(i => i.StudyInstanceUid).HasMaxLength(64).IsRequired();
        builder.Property(i => i.Reason).HasMaxLength(FailedInstance.MaxReasonLength).IsRequired();
        builder.HasIndex(i => new { i.JobId, i.SopInstanceUid });
        builder.HasOne<RetrievalJob>().WithMany().HasForeignKey(i => i.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class QuarantinedInstanceConfiguration : IEntityTypeConfiguration<QuarantinedInstance>
{
    public void Configure(EntityTypeBuilder<QuarantinedInstance> builder)
    {
        builder.ToTable("QuarantinedInstances");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.SopInstanceUid).HasMaxLength(64).IsRequired();
        builder.Property(i => i.StudyInstanceUid).HasMaxLength(64);
        builder.Property(i => i.PatientId).HasMaxLength(64);
        builder.Property(i => i.Reason).HasMaxLength(QuarantinedInstance.MaxReasonLength).IsRequired();
        builder.Property(i => i.FileName).HasMaxLength(100).IsRequired();
        builder.Property(i => i.SourceAeTitle).HasMaxLength(16);

        // The state is the concurrency token: of a release, a delete and a purge racing for one held instance, one
        // changes the row and the others are told it changed (UPDATE ... WHERE State = 'Held').
        builder.Property(i => i.State).HasConversion<string>().HasMaxLength(16).IsConcurrencyToken();
        builder.Property(i => i.ResolvedBy).HasMaxLength(256);
        builder.Property(i => i.Resolution).HasMaxLength(QuarantinedInstance.MaxReasonLength);
        builder.Ignore(i => i.IsHeld);
        builder.HasIndex(i => i.JobId);
        builder.HasIndex(i => i.RequestId);

        // What the retention scans: held instances, oldest first.
        builder.HasIndex(i => new { i.State, i.ReceivedAt });
        builder.HasOne<RetrievalJob>().WithMany().HasForeignKey(i => i.JobId).OnDelete(DeleteBehavior.Restrict);
    }
}
