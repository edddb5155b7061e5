using System.Text;
using System.Text.RegularExpressions;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Features.Notifications;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace ImagePortal.Tests.Features.Administration;

public sealed class InvitationTests(MailingPortal portal) : IClassFixture<MailingPortal>
{
    [Fact]
    public async Task WithSmtpConfigured_ANewUserIsInvitedByMail_WithALinkThatSetsTheirPassword_AndNoPasswordIsShown()
    {
        var profile = new UserProfile("Caoimhe Byrne", "caoimhe.byrne@northvale.example", await portal.FacilityIdAsync("NVH"), [Roles.Approver]);

        var result = await portal.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateUser("caoimhe.nvh", profile));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        Assert.True(result.Value!.InvitationSent);
        Assert.Null(result.Value.OneTimePassword);
        var mail = Assert.Single(portal.Smtp.Messages, m => m.To.Contains("caoimhe.byrne@northvale.example"));
        var body = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(mail.Data)), TestContext.Current.CancellationToken).TextBody ?? "";
        Assert.Contains("Your user name is caoimhe.nvh.", body);
        var link = Regex.Match(body, @"https://portal\.network\.example/Account/ChoosePassword\?userId=([^&\s]+)&code=(\S+)");
        Assert.True(link.Success, body);
        Assert.Equal(result.Value.Id, Uri.UnescapeDataString(link.Groups[1].Value));

        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = (await users.FindByIdAsync(result.Value.Id))!;
        Assert.False(await users.HasPasswordAsync(user));
        Assert.False(user.MustChangePassword);
        var token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(link.Groups[2].Value));
        Assert.True((await users.ResetPasswordAsync(user, token, "a phrase of my own choosing")).Succeeded);
        Assert.True(await users.CheckPasswordAsync(user, "a phrase of my own choosing"));
        Assert.False((await users.ResetPasswordAsync(user, token, "someone replaying the link")).Succeeded);
        Assert.Single(await portal.AuditAsync(AuditEventType.ConfigurationChange, "User caoimhe.nvh created with an invitation e-mail"));
    }

    [Fact]
    public async Task WithoutAnEmailAddress_TheAdministratorGetsAOneTimePassword_EvenWithSmtp()
    {
        var profile = new UserProfile("No Mail", null, await portal.FacilityIdAsync("NVH"), [Roles.Clerk]);

        var result = await portal.CommandAsync(DemoUsers.AdminNvh.UserName, new CreateUser("nomail.nvh", profile));

        Assert.False(result.Value!.InvitationSent);
        Assert.Equal(16, result.Value.OneTimePassword!.Length);
    }
}

public sealed class InvitationWithDeadMailServerTests(PortalWithDeadMailServer portal) : IClassFixture<PortalWithDeadMailServer>
{
    [Fact]
    public async Task WhenTheMailCannotBeSent_TheAdministratorGetsAOneTimePasswordInstead()
    {
        var profile = new UserProfile("Dead Letter", "dead.letter@northvale.example", await portal.FacilityIdAsync("NVH"), [Roles.Clerk]);

        var result = await portal.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateUser("deadletter.nvh", profile));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        Assert.False(result.Value!.InvitationSent);
        Assert.NotNull(result.Value.OneTimePassword);
        Assert.Single(await portal.AuditAsync(AuditEventType.ConfigurationChange, "User deadletter.nvh created with a one-time password"));
    }
}
