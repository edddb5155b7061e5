using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Administration;

public abstract class UserAdministrationTestsBase(UseCaseFixture fixture)
{
    private async Task<T> WithUsersAsync<T>(Func<UserManager<ApplicationUser>, Task<T>> work)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>());
    }

    private Task<ApplicationUser> UserAsync(string userName) => WithUsersAsync(async users => (await users.FindByNameAsync(userName))!);

    private async Task<CreatedUser> CreateAsync(string userName, string creator, string facilityCode = "NVH", params string[] roles)
    {
        var profile = new UserProfile("Éabha Ní Cheallaigh", $"{userName}@northvale.example", await fixture.FacilityIdAsync(facilityCode), roles.Length == 0 ? [Roles.Clerk] : roles);
        var result = await fixture.CommandAsync(creator, new CreateUser(userName, profile));
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!;
    }

    [Fact]
    public async Task CreatingAUser_GivesAOneTimePassword_ThatSignsIn_AndMustBeChanged_NeverAudited()
    {
        var created = await CreateAsync("eabha.nvh", DemoUsers.AdminNvh.UserName);

        Assert.Equal(16, created.OneTimePassword!.Length);
        var user = await UserAsync("eabha.nvh");
        Assert.True(user.MustChangePassword);
        Assert.True(await WithUsersAsync(users => users.CheckPasswordAsync(user, created.OneTimePassword!)));
        Assert.Equal([Roles.Clerk], await WithUsersAsync(users => users.GetRolesAsync(user)));
        var audit = Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "User eabha.nvh created"));
        Assert.Contains("facility=NVH, roles=Clerk", audit.Description);
        Assert.DoesNotContain(created.OneTimePassword!, audit.Description);
    }

    [Fact]
    public async Task BadInput_IsRefusedWithClearMessages()
    {
        var nvh = await fixture.FacilityIdAsync("NVH");

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName,
            new CreateUser("a b", new UserProfile(" ", "not-an-address", null, [Roles.Clerk, "Wizard"])));
        var noRole = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateUser("norole", new UserProfile("No Role", null, nvh, [])));
        var taken = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateUser("clerk.nvh", new UserProfile("Again", null, nvh, [Roles.Clerk])));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("The user name must be 3 to 64 letters", result.Failure.Message);
        Assert.Contains("The display name is required", result.Failure.Message);
        Assert.Contains("'not-an-address' is not an e-mail address.", result.Failure.Message);
        Assert.Contains("'Wizard' is not a role.", result.Failure.Message);
        Assert.Contains("Clerks, approvers and facility administrators belong to a facility", result.Failure.Message);
        Assert.Equal("Give the user at least one role.", noRole.Failure!.Message);
        Assert.Equal("The user name clerk.nvh is taken.", taken.Failure!.Message);
    }

    [Fact]
    public async Task FacilityAdmin_CannotCreateUsersElsewhere_NorGiveNetworkWideRoles()
    {
        var elsewhere = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName,
            new CreateUser("spy.sbr", new UserProfile("Spy", null, await fixture.FacilityIdAsync("SBR"), [Roles.Clerk])));
        var networkWide = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName,
            new CreateUser("boss.nvh", new UserProfile("Boss", null, await fixture.FacilityIdAsync("NVH"), [Roles.NetworkAdmin])));

        Assert.Equal(FailureKind.NotFound, elsewhere.Failure!.Kind);
        Assert.Equal(FailureKind.Forbidden, networkWide.Failure!.Kind);
        Assert.Null(await UserAsync("spy.sbr"));
        Assert.Null(await UserAsync("boss.nvh"));
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, "Creating a user refused: facility"));
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, "may not give the role NetworkAdmin"));
    }

    [Fact]
    public async Task FacilityAdmin_EditingAUserOfAnotherFacility_IsRefused_AndAudited()
    {
        var other = await UserAsync(DemoUsers.ClerkSbr.UserName);

        var edit = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName,
            new UpdateUser(other.Id, other.ConcurrencyStamp, new UserProfile("Moved", null, await fixture.FacilityIdAsync("NVH"), [Roles.Clerk])));
        var disable = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ChangeUserAccount(other.Id, UserAction.Disable));

        Assert.Equal(FailureKind.NotFound, edit.Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, disable.Failure!.Kind);
        var after = await UserAsync(DemoUsers.ClerkSbr.UserName);
        Assert.Equal((other.DisplayName, other.FacilityId, false), (after.DisplayName, after.FacilityId, after.IsDisabled));
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, $"Editing a user refused: facility {other.FacilityId}"));
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, $"Disable of a user refused: facility {other.FacilityId}"));
    }

    [Fact]
    public async Task EditingRolesAndFacility_ChangesTheSecurityStamp_AndAStaleCopyIsAConflict()
    {
        var created = await CreateAsync("move.me", DemoUsers.NetworkAdmin.UserName);
        var before = await UserAsync("move.me");
        var profile = new UserProfile("Moved Person", "moved@stbrigids.example", await fixture.FacilityIdAsync("SBR"), [Roles.Approver, Roles.Clerk]);

        var edit = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateUser(created.Id, before.ConcurrencyStamp, profile));
        var stale = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateUser(created.Id, before.ConcurrencyStamp, profile with { DisplayName = "Late" }));

        Assert.True(edit.IsSuccess, edit.Failure?.Message);
        Assert.Equal(FailureKind.Conflict, stale.Failure!.Kind);
        var after = await UserAsync("move.me");
        Assert.Equal(("Moved Person", await fixture.FacilityIdAsync("SBR")), (after.DisplayName, after.FacilityId));
        Assert.Equal([Roles.Approver, Roles.Clerk], (await WithUsersAsync(users => users.GetRolesAsync(after))).Order());
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
        var audit = Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "User move.me edited"));
        Assert.Contains("Before: user=move.me, name=Éabha Ní Cheallaigh, email=move.me@northvale.example, facility=NVH, roles=Clerk", audit.Description);
        Assert.Contains("After: user=move.me, name=Moved Person, email=moved@stbrigids.example, facility=SBR, roles=Approver,Clerk", audit.Description);
    }

    [Fact]
    public async Task LockDisableAndResetTwoFactor_EndSessions_AndAreUndone()
    {
        var created = await CreateAsync("acct.nvh", DemoUsers.AdminNvh.UserName);
        var stamp = (await UserAsync("acct.nvh")).SecurityStamp;

        Assert.True((await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ChangeUserAccount(created.Id, UserAction.Lock))).IsSuccess);
        var locked = await UserAsync("acct.nvh");
        Assert.True(await WithUsersAsync(users => users.IsLockedOutAsync(locked)));
        Assert.NotEqual(stamp, locked.SecurityStamp);
        Assert.True((await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ChangeUserAccount(created.Id, UserAction.Unlock))).IsSuccess);
        Assert.False(await WithUsersAsync(async users => await users.IsLockedOutAsync((await users.FindByIdAsync(created.Id))!)));

        Assert.True((await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ChangeUserAccount(created.Id, UserAction.Disable))).IsSuccess);
        var disabled = await UserAsync("acct.nvh");
        Assert.True(disabled.IsDisabled);
        Assert.NotEqual(locked.SecurityStamp, disabled.SecurityStamp);
        Assert.True((await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ChangeUserAccount(created.Id, UserAction.Enable))).IsSuccess);
        Assert.False((await UserAsync("acct.nvh")).IsDisabled);

        await WithUsersAsync(async users => (await users.SetTwoFactorEnabledAsync((await users.FindByIdAsync(created.Id))!, true)).Succeeded);
        Assert.True((await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ChangeUserAccount(created.Id, UserAction.ResetTwoFactor))).IsSuccess);
        Assert.False((await UserAsync("acct.nvh")).TwoFactorEnabled);

        var audits = await fixture.AuditAsync(AuditEventType.ConfigurationChange, "User acct.nvh: ");
        Assert.Equal(["ResetTwoFactor", "Enable", "Disable", "Unlock", "Lock"], audits.Select(a => a.Description.Split(": ")[1].Split('.')[0]));
        Assert.Contains("disabled=False, 2FA=False. After: user=acct.nvh", audits[2].Description);
        Assert.Contains("disabled=True", audits[2].Description);
    }

    [Fact]
    public async Task AnAdministrator_CannotLockThemselvesOut()
    {
        var self = await UserAsync(DemoUsers.AdminNvh.UserName);

        var result = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ChangeUserAccount(self.Id, UserAction.Disable));

        Assert.Equal("You cannot lock or disable your own account.", result.Failure!.Message);
    }

    [Fact]
    public async Task TheUserList_IsPagedSearchable_AndScopedToTheFacilityAdminsFacility()
    {
        var all = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new ListUsers(null, 0, 3));
        var search = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new ListUsers("brigids", 0, 50));
        var own = await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new ListUsers(null, 0, 100));
        var forged = await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new ListUsers("sbr", 0, 100));

        Assert.Equal(3, all.Value!.Items.Count);
        Assert.True(all.Value.TotalCount >= 8);
        Assert.Equal(["approver.sbr", "approver2.sbr", "clerk.sbr"], search.Value!.Items.Select(u => u.UserName).Where(n => n.EndsWith(".sbr", StringComparison.Ordinal)));
        Assert.All(own.Value!.Items, u => Assert.Equal("NVH", u.FacilityCode));
        Assert.Contains(own.Value.Items, u => u.UserName == "clerk.nvh" && u.Roles.SequenceEqual([Roles.Clerk]));
        Assert.Empty(forged.Value!.Items);
    }

    [Fact]
    public async Task FacilityAdmin_CannotDemoteOrLockANetworkAdministratorOfTheirFacility()
    {
        var boss = await CreateAsync("boss.at.nvh", DemoUsers.NetworkAdmin.UserName, "NVH", Roles.NetworkAdmin, Roles.Clerk);

        var demote = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName,
            new UpdateUser(boss.Id, null, new UserProfile("Demoted", null, await fixture.FacilityIdAsync("NVH"), [Roles.Clerk])));
        var lockOut = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new ChangeUserAccount(boss.Id, UserAction.Lock));

        Assert.Equal(FailureKind.NotFound, demote.Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, lockOut.Failure!.Kind);
        Assert.Contains(Roles.NetworkAdmin, await WithUsersAsync(async users => await users.GetRolesAsync((await users.FindByIdAsync(boss.Id))!)));
        Assert.Equal(2, (await fixture.AuditAsync(AuditEventType.SecurityAlert, "boss.at.nvh is a network administrator")).Count);
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class UserAdministrationTests(UseCaseFixture fixture) : UserAdministrationTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class UserAdministrationOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : UserAdministrationTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
