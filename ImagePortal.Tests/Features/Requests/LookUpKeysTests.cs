using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Requests;

/// <summary>How the approver's typed look-up becomes C-FIND keys (PS3.4 C.2.2.2), and which look-ups are refused.</summary>
public abstract class LookUpKeysTestsBase(UseCaseFixture fixture)
{
    private static LookUpStudies Search(
        string? name = null, string? birthDate = null, string? mrn = null, string? accession = null, DateOnly? from = null, DateOnly? to = null) =>
        new("REQ-2026-000001", mrn, name, birthDate, from, to, [], accession);

    [Theory]
    [InlineData("Smith", "SMITH*")]
    [InlineData("smith", "SMITH*")]
    [InlineData("  Smith^John ", "SMITH^JOHN*")]
    [InlineData("Smith, J", "SMITH^J*")]
    [InlineData("Sm*th", "SM*TH")]
    [InlineData("Sm?th^*", "SM?TH^*")]
    [InlineData("*son", "*SON")]
    [InlineData("Smith**", "SMITH*")]
    [InlineData("Müller^Jürgen", "MÜLLER^JÜRGEN*")]
    [InlineData("Ó Súilleabháin", "Ó SÚILLEABHÁIN*")]
    public void AName_IsSentAsAnUpperCaseWildcardKey_APlainNameAsAPrefix(string typed, string key) =>
        Assert.Equal(key, LookUpKeys.Query(Search(name: typed)).PatientName);

    [Theory]
    [InlineData("1958", "19580101-19581231")]
    [InlineData("1958-03", "19580301-19580331")]
    [InlineData("195802", "19580201-19580228")]
    [InlineData("2000-02", "20000201-20000229")]
    [InlineData("1958-03-12", "19580312")]
    [InlineData(" 19580312 ", "19580312")]
    public void APartialBirthDate_IsSentAsTheRangeOfItsDays(string typed, string key)
    {
        var query = LookUpKeys.Query(Search(name: "Smith", birthDate: typed));

        Assert.Equal(key, query.BirthDates!.ToDicom());
        Assert.Equal(key, PacsGateway.Identifier(query).GetString(DicomTag.PatientBirthDate));
    }

    [Fact]
    public void TheIdentifier_CarriesEveryKey_AndAsksForBirthDateAndSex()
    {
        var query = LookUpKeys.Query(new LookUpStudies(
            "REQ-2026-000001", " SBR-1 ", "smith", "1958", new DateOnly(2020, 1, 1), null, ["CT", "MR"], " A123 "));

        var keys = PacsGateway.Identifier(query);

        Assert.Equal("SBR-1", keys.GetString(DicomTag.PatientID));
        Assert.Equal("SMITH*", keys.GetString(DicomTag.PatientName));
        Assert.Equal("19580101-19581231", keys.GetString(DicomTag.PatientBirthDate));
        Assert.Equal("A123", keys.GetString(DicomTag.AccessionNumber));
        Assert.Equal("20200101-", keys.GetString(DicomTag.StudyDate));
        Assert.Equal(["CT", "MR"], keys.GetStrings(DicomTag.ModalitiesInStudy));
        Assert.NotNull(keys.Find(DicomTag.PatientSex));
    }

    [Fact]
    public void AWildcardOnlyName_NextToAnMrn_IsUniversal_NotSent()
    {
        Assert.Empty(LookUpKeys.Problems(Search(name: "*", mrn: "SBR-1")));
        Assert.Null(LookUpKeys.Query(Search(name: "*", mrn: "SBR-1")).PatientName);
    }

    public static TheoryData<LookUpStudies, string> Refused() => new()
    {
        { Search(), "Search by MRN, accession number, name or birth date." },
        { Search(name: "*"), "Too broad" },
        { Search(name: "S*"), "Too broad" },
        { Search(name: "?*^*"), "Too broad" },
        { Search(birthDate: "1958"), "Too broad" },
        { Search(name: "Smith\\Jones"), "cannot contain \\ or =" },
        { Search(name: "Smith=Jones"), "cannot contain \\ or =" },
        { Search(name: new string('A', 65)), "at most 64 characters" },
        { Search(mrn: "SBR-*"), "The MRN is matched exactly" },
        { Search(mrn: "SBR-1\\SBR-2"), "The MRN is matched exactly" },
        { Search(accession: "A?"), "The accession number is matched exactly" },
        { Search(name: "Smith", birthDate: "1958-13"), "Type the birth date as a year (1958), a month (1958-03) or a day (1958-03-12)." },
        { Search(name: "Smith", birthDate: "1958-02-30"), "Type the birth date as" },
        { Search(name: "Smith", birthDate: "12/03/1958"), "Type the birth date as" },
        { Search(name: "Smith", from: new DateOnly(2025, 1, 1), to: new DateOnly(2024, 1, 1)), "The date range ends before it starts." },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void ABroadOrMeaningChangingSearch_IsRefused_WithAClearMessage(LookUpStudies search, string message) =>
        Assert.Contains(LookUpKeys.Problems(search), problem => problem.Contains(message, StringComparison.Ordinal));

    public static TheoryData<LookUpStudies> Accepted() =>
    [
        Search(name: "Sm"),
        Search(name: "*son"),
        Search(mrn: "SBR-1"),
        Search(accession: "A123"),
        Search(birthDate: "1958-03-12"),
        Search(name: "S", birthDate: "1958"),
        Search(name: "Smith", birthDate: "1958-03"),
    ];

    [Theory]
    [MemberData(nameof(Accepted))]
    public void ANarrowSearch_IsAccepted(LookUpStudies search) => Assert.Empty(LookUpKeys.Problems(search));

    [Fact]
    public async Task ATooBroadLookUp_IsRefusedBeforeThePacsIsAsked()
    {
        var result = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, Search(name: "S*"));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("Too broad", result.Failure.Message);
        Assert.Empty(await fixture.DbAsync(db => db.AuditEvents
            .Where(e => e.ObjectReference == "REQ-2026-000001" && e.Type == ImagePortal.Domain.Audit.AuditEventType.Query)
            .ToListAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public void TheCandidates_AreOnePerPatient_WithBirthDateSexAndTheirNumberOfStudies()
    {
        StudyMatch Study(string uid, string id, string name, string? sex, string? issuer = null) =>
            new(uid, new DateOnly(2024, 1, 1), name, id, new DateOnly(1958, 3, 12), "CT", "CT chest", null, 10, sex, issuer);

        var candidates = PatientCandidate.Of([
            Study("1.1", "SBR-1", "Smith^John", "M"), Study("1.2", "SBR-2", "Smith^Jane", "F"), Study("1.3", "SBR-1", "Smith^John", null),
            Study("1.4", "SBR-1", "Smith^John", "M", issuer: "OTHER")]);

        Assert.Equal(
            [("SBR-1", (string?)null, "Smith, John", "Male", 2), ("SBR-2", null, "Smith, Jane", "Female", 1), ("SBR-1", "OTHER", "Smith, John", "Male", 1)],
            candidates.Select(c => (c.PatientId, c.IssuerOfPatientId, c.DisplayName, c.SexLabel, c.Studies)));
        Assert.All(candidates, c => Assert.Equal(new DateOnly(1958, 3, 12), c.BirthDate));
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class LookUpKeysTests(UseCaseFixture fixture) : LookUpKeysTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class LookUpKeysOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : LookUpKeysTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
