using System.Data.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Requests;

/// <summary>
/// The clerk's patient search and sort by patient answer the same whatever the database's locale. A PostgreSQL server
/// set up on a machine whose locale is en_US.UTF-8 collates text by it unless told otherwise: glibc's en_US ignores
/// spaces and punctuation at first, and both it and ICU put punctuation before letters, so a search whose last letter
/// is Z (the range [LOPEZ, LOPE[) on the name key) found nothing, and one family's names were split by another's.
/// </summary>
public abstract class PatientNameLocaleTestsBase(UseCaseFixture fixture)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected UseCaseFixture Fixture => fixture;

    private async Task FileAsync(string family, string given, string localMrn)
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var result = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = family, GivenName = given, BirthDate = new DateOnly(1970, 1, 1), Sex = PatientSex.Other, LocalMrn = localMrn,
            Modalities = ["CT"], ClinicalReason = "Prior imaging for comparison.", ConfirmedNotDuplicate = true,
        });
        Assert.True(result.IsSuccess, result.Failure?.Message);
    }

    private async Task<string[]> ListAsync(string patient, RequestSort sort)
    {
        var result = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(Patient: patient), 0, 100, sort));
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return [.. result.Value!.Items.Select(r => r.LocalMrn)];
    }

    [Fact]
    public async Task ThePatientSearch_FindsTheNamesThatStartWithWhatWasTyped_WhateverItsLastCharacter()
    {
        await FileAsync("Lopez", "Ana", "LOC-1");
        await FileAsync("Lopezberg", "Ana", "LOC-2");
        await FileAsync("Smith-Jones", "Tom", "LOC-3");
        await FileAsync("O'Brien", "Pat", "LOC-4");
        var byMrn = new RequestSort(RequestSortColumn.LocalMrn, Descending: false);

        Assert.Equal(["LOC-1", "LOC-2"], await ListAsync("lopez", byMrn));
        Assert.Equal(["LOC-1"], await ListAsync("lopez ana", byMrn));
        Assert.Equal(["LOC-3"], await ListAsync("smith-", byMrn));
        Assert.Equal(["LOC-3"], await ListAsync("smith-jones t", byMrn));
        Assert.Equal(["LOC-4"], await ListAsync("o'", byMrn));
        Assert.Equal(["LOC-2"], await ListAsync("lopezb", byMrn));
    }

    [Fact]
    public async Task TheListSortedByPatient_KeepsAFamilysNamesTogether_FamilyNameFirst()
    {
        await FileAsync("Sortwell", "Zoe", "ORD-1");
        await FileAsync("Sortwellby", "Al", "ORD-2");
        await FileAsync("Sortwell", "Adam", "ORD-3");
        await FileAsync("Sortwell-Ash", "Bo", "ORD-4");

        Assert.Equal(["ORD-3", "ORD-1", "ORD-4", "ORD-2"], await ListAsync("sortwell", new RequestSort(RequestSortColumn.Patient, Descending: false)));
        Assert.Equal(["ORD-2", "ORD-4", "ORD-1", "ORD-3"], await ListAsync("sortwell", new RequestSort(RequestSortColumn.Patient, Descending: true)));
    }
}

/// <summary>PostgreSQL can answer the list sorted by patient from the name index, whatever the database's locale.</summary>
public abstract class PatientNameLocaleOnPostgreSqlTestsBase(UseCaseFixture fixture) : PatientNameLocaleTestsBase(fixture)
{
    [Fact]
    public async Task TheListSortedByPatient_CanReadTheNameIndexInOrder()
    {
        var plan = await Fixture.DbAsync(async db =>
        {
            Guid? facility = await db.Facilities.Select(f => f.Id).FirstAsync(Ct);
            // The numbers only: a page of entities also joins their studies, which is not what is looked at here.
            var numbers = RequestLists.Sort(RequestLists.FiledBy(db.ImageRequests, facility, null), new RequestSort(RequestSortColumn.Patient, false))
                .Skip(50).Take(25).Select(r => r.Number);
            await db.Database.OpenConnectionAsync(Ct);
            try
            {
                // The table is small: forbid reading it whole or sorting it, and see whether the index can answer.
                await db.Database.ExecuteSqlRawAsync("SET enable_seqscan = off; SET enable_sort = off", Ct);
                await using DbCommand command = numbers.CreateDbCommand();
                command.CommandText = "EXPLAIN " + command.CommandText;
                var lines = new List<string>();
                await using var reader = await command.ExecuteReaderAsync(Ct);
                while (await reader.ReadAsync(Ct))
                {
                    lines.Add(reader.GetString(0));
                }

                return string.Join('\n', lines);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });

        Assert.True(plan.Contains("IX_ImageRequests_RequestingFacilityId_PatientNameKey_Number", StringComparison.Ordinal), plan);
        Assert.DoesNotMatch(@"(?m)^\s*(->\s*)?(Incremental )?Sort\s+\(", plan);
    }
}

public sealed class PatientNameLocaleTests(UseCaseFixture fixture) : PatientNameLocaleTestsBase(fixture), IClassFixture<UseCaseFixture>;

public sealed class PatientNameLocaleOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture)
    : PatientNameLocaleOnPostgreSqlTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;

public sealed class PatientNameLocaleOnPostgreSqlEnUsLibcTests(EnUsLibcPostgreSqlFixture fixture)
    : PatientNameLocaleOnPostgreSqlTestsBase(fixture), IClassFixture<EnUsLibcPostgreSqlFixture>;

public sealed class PatientNameLocaleOnPostgreSqlEnUsIcuTests(EnUsIcuPostgreSqlFixture fixture)
    : PatientNameLocaleOnPostgreSqlTestsBase(fixture), IClassFixture<EnUsIcuPostgreSqlFixture>;
