using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// How a new request gets its number and is saved, for every use case that files one (a clerk's request, a direct
/// retrieve): the next number of the year (<see cref="RequestNumber"/>), and another try with the next one when a
/// colleague took the same number at the same moment (the unique index refuses the second save).
/// </summary>
internal static class NewRequests
{
    private const int NumberAttempts = 5;

    /// <summary>
    /// Saves the request <paramref name="file"/> makes under the number it is given, with whatever it adds to
    /// <paramref name="db"/> beside it (its audit event, its retrieval job). An entity's refusal is the result's
    /// "invalid"; a number taken meanwhile makes <paramref name="file"/> run again with the next number, on a cleared
    /// <paramref name="db"/>.
    /// </summary>
    public static async Task<Result<ImageRequest>> SaveUnderNextNumberAsync(
        ImagePortalDbContext db, DateTimeOffset now, Func<string, ImageRequest> file, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var number = await NextNumberAsync(db, now, cancellationToken);
            ImageRequest request;
            try
            {
                request = file(number);
            }
            catch (DomainException error)
            {
                return Result<ImageRequest>.Invalid(error.Message);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return Result<ImageRequest>.Success(request);
            }
            catch (DbUpdateException conflict) when (attempt < NumberAttempts && DbErrors.IsDuplicateKey(conflict))
            {
                // Another clerk took the same number at the same moment (unique index): take the next one.
                db.ChangeTracker.Clear();
            }
        }
    }

    private static async Task<string> NextNumberAsync(ImagePortalDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var prefix = RequestNumber.PrefixFor(now);
        var last = await db.ImageRequests.AsNoTracking()
            .Where(r => r.Number.StartsWith(prefix))
            .OrderByDescending(r => r.Number)
            .Select(r => r.Number)
            .FirstOrDefaultAsync(cancellationToken);
        return RequestNumber.Next(last, now);
    }
}
