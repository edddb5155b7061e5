using System.Text.RegularExpressions;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Web.Features.Common;

namespace ImagePortal.Tests.Features.Common;

/// <summary>Every code the portal shows has words a person reads: no "ConsentMissing" or "FacilityAdmin" on screen.</summary>
public sealed partial class LabelsTests
{
    public static TheoryData<string, string> EveryCode()
    {
        var data = new TheoryData<string, string>();
        foreach (var value in Enum.GetValues<RequestStatus>()) data.Add($"RequestStatus.{value}", Labels.Of(value));
        foreach (var value in Enum.GetValues<DenialReason>()) data.Add($"DenialReason.{value}", Labels.Of(value));
        foreach (var value in Enum.GetValues<RequestEventKind>()) data.Add($"RequestEventKind.{value}", Labels.Of(value));
        foreach (var value in Enum.GetValues<AuditEventType>()) data.Add($"AuditEventType.{value}", Labels.Of(value));
        foreach (var value in Enum.GetValues<AuditOutcome>()) data.Add($"AuditOutcome.{value}", Labels.Of(value));
        foreach (var role in Roles.All) data.Add($"Role {role}", Labels.Role(role));
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCode))]
    public void EveryCode_ReadsAsWords(string code, string label)
    {
        Assert.False(string.IsNullOrWhiteSpace(label), code);
        Assert.DoesNotMatch(CamelCase(), label);
        Assert.True(char.IsUpper(label[0]), $"{code}: '{label}'");
    }

    [Fact]
    public void TheWordsAreTheOnesPeopleUse()
    {
        Assert.Equal("Patient consent missing", Labels.Of(DenialReason.ConsentMissing));
        Assert.Equal("Facility administrator", Labels.Role(Roles.FacilityAdmin));
        Assert.Equal("Approved by agreement", Labels.Of(RequestEventKind.ApprovedByAgreement));
        Assert.Equal("Minor failure", Labels.Of(AuditOutcome.MinorFailure));
        Assert.Equal("Needs information", Labels.Of(RequestStatus.NeedsInfo));
    }

    [GeneratedRegex("[a-z][A-Z]")]
    private static partial Regex CamelCase();
}
