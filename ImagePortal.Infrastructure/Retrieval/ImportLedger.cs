using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Writes rows of the exactly-once ledger of imported instances. Two workers may import the same instance to the same
/// destination (two jobs for one study, a lease taken over from a worker that was still storing): a row another worker
/// wrote first is simply already there.
/// </summary>
internal static class ImportLedger
{
    /// <summary>
    /// Writes the rows the ledger lacks and returns how many: a row that another worker wrote first (or writes at the
    /// same moment) is skipped by the database without an error, as neither a failed save in the log nor a check
    /// before each insert (which another worker can pass at the same moment) would be. Any other refusal is thrown.
    /// </summary>
    public static async Task<int> WriteAsync(IDbContextFactory<ImagePortalDbContext> dbFactory, IReadOnlyList<ImportedInstance> batch, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.InsertUnlessPresentAsync(batch, [nameof(ImportedInstance.SopInstanceUid), nameof(ImportedInstance.DestinationNodeId)], cancellationToken);
    }
}
