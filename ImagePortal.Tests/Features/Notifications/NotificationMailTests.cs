using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Notifications;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Notifications;

/// <summary>A portal whose SMTP setting points at a fake mail server on loopback.</summary>
public sealed class MailingPortal : UseCaseFixture
{
    public FakeSmtpServer Smtp { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Smtp:Security"] = "None",
        ["Smtp:From"] = "imageportal@network.example",
        ["Smtp:PortalUrl"] = "https://portal.network.example",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>A portal whose SMTP server is down (a port where nothing listens).</summary>
public sealed class PortalWithDeadMailServer : UseCaseFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Smtp:Security"] = "None",
    };
}

public sealed class NotificationMailTests(MailingPortal portal) : IClassFixture<MailingPortal>
{
    [Fact]
    public async Task ANewRequest_IsMailedToTheApprovers_WithALinkAndNoPatientData()
    {
        var sbr = await portal.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(TestContext.Current.CancellationToken));

        var filed = await portal.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Ó Dónaill", GivenName = "Máire", Sex = PatientSex.Female, LocalMrn = "NVH-M1", Modalities = ["MG"],
            ClinicalReason = "Screening prior",
        });

        var number = filed.Value!.Number!;
        var mails = portal.Smtp.Messages.ToList();
        Assert.Equal(
            ["declan.walsh@stbrigids.example", "fionnuala.ryan@stbrigids.example"],
            mails.SelectMany(m => m.To).Order());
        Assert.All(mails, m => Assert.Contains($"https://portal.network.example/requests/{number}", m.Data));
        Assert.All(mails, m => Assert.DoesNotContain("NVH-M1", m.Data));
        Assert.All(mails, m => Assert.DoesNotContain("Dónaill", m.Data));

        // A comment's text stays in the portal; the mail only says there is one.
        portal.Smtp.Messages.Clear();
        await portal.CommandAsync(DemoUsers.ClerkNvh.UserName, new AddComment(number, "She is allergic to iodine contrast."));
        var commentMails = portal.Smtp.Messages.ToList();
        Assert.NotEmpty(commentMails);
        Assert.All(commentMails, m => Assert.Contains($"New comment on {number}", m.Data));
        Assert.All(commentMails, m => Assert.DoesNotContain("iodine", m.Data));
    }
}

public sealed class DeadMailServerTests(PortalWithDeadMailServer portal) : IClassFixture<PortalWithDeadMailServer>
{
    [Fact]
    public async Task AMailServerThatIsDown_NeverFailsTheAction_AndTheBellStillRings()
    {
        var sbr = await portal.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(TestContext.Current.CancellationToken));

        var filed = await portal.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            GivenName = "Jane", Sex = PatientSex.Female, LocalMrn = "NVH-M2", ClinicalReason = "Prior",
        });

        Assert.True(filed.IsSuccess, filed.Failure?.Message);
        var bell = await portal.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetMyNotifications());
        Assert.Equal(1, bell.Value!.Unread);
    }
}
