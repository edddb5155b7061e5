using System.Text.RegularExpressions;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
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
        foreach (var value in Enum.GetValues<RequestPriority>()) data.Add($"RequestPriority.{value}", Labels.Of(value));
        foreach (var value in Enum.GetValues<PatientSex>()) data.Add($"PatientSex.{value}", Labels.Of(value));
        foreach (var value in Enum.GetValues<RetrievalJobState>()) data.Add($"RetrievalJobState.{value}", Labels.Of(value));
        foreach (var value in Enum.GetValues<QuarantineState>()) data.Add($"QuarantineState.{value}", Labels.Of(value));
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
        Assert.Equal("Partly imported", Labels.Of(RetrievalJobState.PartiallySucceeded));
        Assert.Equal("STAT", Labels.Of(RequestPriority.Stat));
        Assert.Equal("Female", Labels.OfDicomSex("F "));
    }

    [Theory]
    [InlineData("", "any")]
    [InlineData(null, "any")]
    [InlineData("CT", "CT")]
    [InlineData("CT\\MR", "CT, MR")]
    [InlineData("MG\\ \\DX", "MG, DX")]
    public void AModalityScope_ReadsAsAList_OrAny(string? scope, string words) => Assert.Equal(words, Labels.Modalities(scope));

    [Theory]
    [InlineData(1, "study", "1 study")]
    [InlineData(3, "study", "3 studies")]
    [InlineData(0, "partner", "0 partners")]
    [InlineData(1, "partner", "1 partner")]
    [InlineData(2, "match", "2 matches")]
    [InlineData(2, "DICOM node", "2 DICOM nodes")]
    [InlineData(250, "image", "250 images")]
    [InlineData(2, "day", "2 days")]
    [InlineData(2, "partner archive", "2 partner archives")]
    public void Count_SaysTheNounInTheRightNumber(int count, string singular, string expected) =>
        Assert.Equal(expected, Labels.Count(count, singular));

    [Fact]
    public void TheWebProject_WritesNoBracketedPlurals()
    {
        // "study(ies)", "partner(s)": Labels.Count says the number instead.
        var web = Path.Combine(SourceTree.Root, "ImagePortal.Web");
        var offenders = SourceTree.FilesOf("ImagePortal.Web", ".cs", ".razor")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(web, f), Line: i + 1, Text: line)))
            .Where(l => BracketedPlural().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.Empty(offenders);
    }

    // A word with a bracketed ending, followed by what follows words in text (a call like Covers(s) is followed by code).
    [GeneratedRegex(@"[a-z]\((s|es|ies)\)(?=[\s<.,:;""'])")]
    private static partial Regex BracketedPlural();

    [GeneratedRegex("[a-z][A-Z]")]
    private static partial Regex CamelCase();
}
