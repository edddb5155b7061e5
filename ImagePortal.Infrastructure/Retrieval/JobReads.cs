using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// The reads of a job, each in one place: the job and <see cref="RetrievalRunner.WarmUpAsync"/> must run the very same queries, as
/// EF Core caches a compiled query by its shape and the names of its parameters.
/// </summary>
internal static class JobReads
{
    public static Task<RetrievalJob?> JobAsync(ImagePortalDbContext db, Guid jobId, CancellationToken cancellationToken) =>
        db.RetrievalJobs.AsNoTracking().Include(j => j.Studies).SingleOrDefaultAsync(j => j.Id == jobId, cancellationToken);

    public static Task<ImageRequest?> RequestAsync(ImagePortalDbContext db, Guid requestId, CancellationToken cancellationToken) =>
        db.ImageRequests.AsNoTracking().Include(r => r.Studies).SingleOrDefaultAsync(r => r.Id == requestId, cancellationToken);

    /// <summary>The request with its timeline, tracked: the run moves it to Retrieving and to its end.</summary>
    public static Task<ImageRequest?> RequestForUpdateAsync(ImagePortalDbContext db, Guid requestId, CancellationToken cancellationToken) =>
        db.ImageRequests.Include(r => r.Studies).Include(r => r.Events).SingleOrDefaultAsync(r => r.Id == requestId, cancellationToken);

    public static Task<Facility?> FacilityAsync(ImagePortalDbContext db, Guid facilityId, CancellationToken cancellationToken) =>
        db.Facilities.AsNoTracking().Include(f => f.Nodes).SingleOrDefaultAsync(f => f.Id == facilityId, cancellationToken);

    public static Task<int?> AttemptsAsync(ImagePortalDbContext db, Guid jobId, CancellationToken cancellationToken) =>
        db.RetrievalJobs.Where(j => j.Id == jobId).Select(j => (int?)j.Attempts).SingleOrDefaultAsync(cancellationToken);

    /// <summary>Whether any instance of these studies is in the ledger for the destination.</summary>
    public static Task<bool> AnyImportedAsync(ImagePortalDbContext db, Guid destinationId, string[] studyUids, CancellationToken cancellationToken) =>
        db.ImportedInstances.AnyAsync(i => i.DestinationNodeId == destinationId && studyUids.Contains(i.StudyInstanceUid), cancellationToken);

    /// <summary>Which of these instances the ledger holds for the destination.</summary>
    public static Task<List<LedgerEntry>> ImportedAsync(ImagePortalDbContext db, Guid destinationId, string[] sopUids, CancellationToken cancellationToken) =>
        db.ImportedInstances.AsNoTracking()
            .Where(i => i.DestinationNodeId == destinationId && sopUids.Contains(i.SopInstanceUid))
            .Select(i => new LedgerEntry(i.SopInstanceUid, i.StudyInstanceUid, i.Bytes))
            .ToListAsync(cancellationToken);

    /// <summary>A row that must be there (a foreign key holds it); its absence is a bug, not a retrieval problem.</summary>
    public static T Found<T>(T? row, string what, Guid id) where T : class =>
        row ?? throw new InvalidOperationException($"The {what} {id} does not exist.");
}
