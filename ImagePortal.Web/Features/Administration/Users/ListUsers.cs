using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Users;

/// <summary>Users an administrator manages, a page at a time, searchable by user name, display name or e-mail.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListUsers(string? Search, int PageIndex, int PageSize) : IQuery<Result<Page<UserRow>>>;

public sealed record UserRow(
    string Id, string UserName, string DisplayName, string? Email, Guid? FacilityId, string? FacilityCode, IReadOnlyList<string> Roles,
    bool IsLocked, bool IsDisabled, bool TwoFactorEnabled, bool MustChangePassword, string? ConcurrencyStamp);

public sealed class ListUsersValidator : IValidator<ListUsers>
{
    public IEnumerable<string> Validate(ListUsers message)
    {
        foreach (var problem in Paging.Validate(message.PageIndex, message.PageSize))
        {
            yield return problem;
        }

        if (message.Search is { Length: > 100 })
        {
            yield return "The search text is too long.";
        }
    }
}

public sealed class ListUsersHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, TimeProvider clock)
    : IQueryHandler<ListUsers, Result<Page<UserRow>>>
{
    public async ValueTask<Result<Page<UserRow>>> Handle(ListUsers query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var users = db.Users.AsNoTracking();
        if (!access.IsNetworkAdmin)
        {
            var own = access.OwnFacilityId;
            users = users.Where(u => u.FacilityId == own);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var search = query.Search.Trim();
            users = users.Where(u => u.UserName!.Contains(search) || u.DisplayName.Contains(search) || (u.Email != null && u.Email.Contains(search)));
        }

        var total = await users.CountAsync(cancellationToken);
        var page = await users.OrderBy(u => u.UserName).ThenBy(u => u.Id).Skip(query.PageIndex * query.PageSize).Take(query.PageSize).ToListAsync(cancellationToken);
        var ids = page.Select(u => u.Id).ToList();
        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           where ids.Contains(ur.UserId)
                           select new { ur.UserId, r.Name }).ToListAsync(cancellationToken);
        var facilityIds = page.Where(u => u.FacilityId != null).Select(u => u.FacilityId!.Value).Distinct().ToList();
        var codes = await db.Facilities.Where(f => facilityIds.Contains(f.Id)).ToDictionaryAsync(f => f.Id, f => f.Code, cancellationToken);
        var now = clock.GetUtcNow();
        var rows = page.Select(u => new UserRow(
            u.Id, u.UserName!, u.DisplayName, u.Email, u.FacilityId, u.FacilityId is { } f ? codes.GetValueOrDefault(f) : null,
            [.. roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).Order()],
            u.LockoutEnd is { } end && end > now, u.IsDisabled, u.TwoFactorEnabled, u.MustChangePassword, u.ConcurrencyStamp)).ToList();
        return new Page<UserRow>(rows, total, query.PageIndex, query.PageSize);
    }
}
