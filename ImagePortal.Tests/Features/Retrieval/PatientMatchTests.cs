using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Retrieval;

namespace ImagePortal.Tests.Features.Retrieval;

public sealed class PatientMatchTests
{
    private const string Source = "PACS SBR_PACS at 127.0.0.1:11113";
    private const string Study = "1.2.826.0.1.3680043.8.498.10";
    private static readonly SourcePatient Approved = new("SBR-77120", "SBR-MRN", "Müller^Jürgen", new DateOnly(1958, 3, 12));

    [Fact]
    public void AStudyHeldUnderTheApprovedPatientOnly_IsRetrievedForThatPatient()
    {
        var holder = PatientMatch.HolderOf(Source, Study, [("SBR-77120", null), ("SBR-77120", "SBR-MRN")], Approved);

        Assert.Equal(new StudyHolder(Approved, null), holder);
    }

    [Fact]
    public void AStudyHeldUnderTwoPatients_IsAmbiguous_WhicheverAnswersFirst()
    {
        (string?, string?)[][] orders = [[("SBR-99999", null), ("SBR-77120", null)], [("SBR-77120", null), ("SBR-99999", null)]];
        foreach (var answers in orders)
        {
            var holder = PatientMatch.HolderOf(Source, Study, answers, Approved);

            Assert.Null(holder.Patient);
            Assert.StartsWith($"ambiguous study at the source: {Source} holds study {Study} under 2 patients", holder.Problem);
        }
    }

    [Fact]
    public void OnePatientIdUnderTwoIssuers_IsTwoPatients()
    {
        var holder = PatientMatch.HolderOf(Source, Study, [("SBR-77120", "SBR-MRN"), ("SBR-77120", "RCH-MRN")], Approved);

        Assert.Null(holder.Patient);
        Assert.Contains("under 2 patients", holder.Problem);
    }

    [Fact]
    public void AStudyRelabelledSinceTheApproval_IsNotRetrieved()
    {
        var holder = PatientMatch.HolderOf(Source, Study, [("SBR-12345", null)], Approved);

        Assert.Null(holder.Patient);
        Assert.Equal($"{Source} now holds study {Study} under patient 'SBR-12345', not under 'SBR-77120' (issuer SBR-MRN), the patient it was approved for; nothing of it was imported", holder.Problem);
    }

    [Fact]
    public void AStudyNoLongerAtTheSource_SaysSo() =>
        Assert.Equal(new StudyHolder(null, $"study {Study} is no longer at {Source}"), PatientMatch.HolderOf(Source, Study, [], Approved));

    [Fact]
    public void AStudyApprovedBeforeApprovalsRecordedThePatient_TakesItsOnePatient_AndRefusesAnOverlongId()
    {
        Assert.Equal("SBR-1", PatientMatch.HolderOf(Source, Study, [("SBR-1", null)], approved: null).Patient?.PatientId);
        Assert.Contains("no DICOM patient ID can have", PatientMatch.HolderOf(Source, Study, [(new string('9', 65), null)], approved: null).Problem);
    }

    [Theory]
    [InlineData("1.2.3.4", Study, "SBR-77120", null, null)]
    [InlineData("1.2.3.4", Study, "SBR-77120", "SBR-MRN", null)]
    [InlineData("1.2.3.5", Study, "SBR-77120", null, "its SOP Instance UID differs from the one announced in the C-STORE request")]
    [InlineData("1.2.3.4", "1.2.3.999", "SBR-77120", null, "study 1.2.3.999 was not approved for this request")]
    [InlineData("1.2.3.4", "1.2.3.888", "SBR-77120", null, "study 1.2.3.888 is not being retrieved (it was not found under the approved patient at the source)")]
    [InlineData("1.2.3.4", Study, "SBR-99999", null, "patient ID 'SBR-99999' is not 'SBR-77120' (issuer SBR-MRN), the patient the study was approved for")]
    [InlineData("1.2.3.4", Study, "SBR-77120", "RCH-MRN", "patient ID 'SBR-77120' (issuer RCH-MRN) is not 'SBR-77120' (issuer SBR-MRN), the patient the study was approved for")]
    public void AnArrivedInstance_IsImportedOnlyWhenItIsTheAnnouncedInstanceOfTheApprovedPatient(
        string sopInstanceUid, string studyUid, string patientId, string? issuer, string? problem)
    {
        var approvedStudies = new HashSet<string> { Study, "1.2.3.888" };
        var retrievedFor = new Dictionary<string, SourcePatient> { [Study] = Approved };

        Assert.Equal(problem, PatientMatch.ProblemWith("1.2.3.4", sopInstanceUid, studyUid, patientId, issuer, approvedStudies, retrievedFor));
    }
}
