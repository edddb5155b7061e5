using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Seed;

/// <summary>Creates what the <c>Seed</c> section names and the database lacks; leaves existing rows alone.</summary>
public sealed class DatabaseSeeder(
    ImagePortalDbContext db,
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<SeedOptions> options,
    NodeSecretProtector secrets,
    TimeProvider clock,
    ILogger<DatabaseSeeder> logger)
{
    /// <summary>
    /// Seeds in one transaction: all or nothing. On SQLite that transaction holds the file's write lock from its start,
    /// so a node starting at the same moment waits and then finds the seed there (on a server database the start's
    /// <see cref="InstallationLock"/> has them take turns); without it, two nodes both found a role missing and the
    /// second failed to start on the unique name the first had just written.
    /// </summary>
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        // Protecting a secret writes the Data Protection key ring on first use, through a context of its own: before
        // the transaction, which on SQLite holds the file's write lock (that write waited for it, and timed out).
        var protectedSecrets = options.Value.Facilities.SelectMany(f => f.Nodes)
            .Where(n => !string.IsNullOrWhiteSpace(n.BaseUrl) && !string.IsNullOrEmpty(n.Password))
            .Select(n => n.Password!).Distinct(StringComparer.Ordinal).ToDictionary(p => p, secrets.Protect, StringComparer.Ordinal);
        await db.Database.CreateExecutionStrategy().ExecuteAsync(
            async ct =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                await SeedCoreAsync(protectedSecrets, ct);
                await transaction.CommitAsync(ct);
            },
            cancellationToken);
    }

    private async Task SeedCoreAsync(Dictionary<string, string> protectedSecrets, CancellationToken cancellationToken)
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"role {role}");
            }
        }

        var seed = options.Value;
        await SeedFacilitiesAsync(seed.Facilities, protectedSecrets, cancellationToken);
        if (seed.Agreements.Count == 0 && seed.Users.Count == 0)
        {
            return;
        }

        // Agreements and users name facilities by code: those just seeded and those an earlier start created.
        var idsByCode = await db.Facilities.ToDictionaryAsync(f => f.Code, f => f.Id, cancellationToken);
        await SeedAgreementsAsync(seed.Agreements, idsByCode, cancellationToken);
        await SeedUsersAsync(seed.Users, idsByCode, cancellationToken);
    }

    private async Task SeedFacilitiesAsync(List<SeedFacility> facilities, Dictionary<string, string> protectedSecrets, CancellationToken cancellationToken)
    {
        foreach (var item in facilities)
        {
            var code = Facility.ValidateCode(item.Code);
            if (await db.Facilities.AnyAsync(f => f.Code == code, cancellationToken))
            {
                continue;
            }

            var facility = new Facility(item.Name, code, item.Region, item.PatientIdIssuer, item.TimeZone);
            facility.SetContact(item.ContactPhone, item.ContactEmail);
            facility.SetImportPolicies(item.AccessionPolicy, item.DemographicsPolicy);
            foreach (var node in item.Nodes)
            {
                var added = string.IsNullOrWhiteSpace(node.BaseUrl)
                    ? facility.AddNode(node.Name, AeTitle.Parse(node.AeTitle), node.Host, node.Port, node.Capabilities, node.UseTls)
                    : facility.AddWebNode(node.Name, DicomWebEndpoint.Create(node.BaseUrl, node.Authentication, node.UserName), node.Capabilities);
                if (added.IsDicomWeb && !string.IsNullOrEmpty(node.Password))
                {
                    facility.SetNodeSecret(added.Id, protectedSecrets[node.Password]);
                }

                if (node.ImportDestination)
                {
                    facility.SetImportDestination(added.Id);
                }
            }

            db.Facilities.Add(facility);
            logger.LogInformation("Seeded facility {FacilityCode} with {NodeCount} DICOM nodes", code, item.Nodes.Count);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task SeedAgreementsAsync(List<SeedAgreement> agreements, Dictionary<string, Guid> idsByCode, CancellationToken cancellationToken)
    {
        foreach (var item in agreements)
        {
            var requesting = Resolve(idsByCode, item.Requesting);
            var source = Resolve(idsByCode, item.Source);
            if (await db.Agreements.AnyAsync(a => a.RequestingFacilityId == requesting && a.SourceFacilityId == source, cancellationToken))
            {
                continue;
            }

            var agreement = new Agreement(requesting, source, item.Type, clock.GetUtcNow().AddDays(-1));
            agreement.SetScope(item.Modalities, item.MaxStudyAgeDays);
            db.Agreements.Add(agreement);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task SeedUsersAsync(List<SeedUser> seedUsers, Dictionary<string, Guid> idsByCode, CancellationToken cancellationToken)
    {
        foreach (var item in seedUsers)
        {
            if (await users.FindByNameAsync(item.UserName) is not null)
            {
                continue;
            }

            var user = new ApplicationUser
            {
                UserName = item.UserName,
                Email = item.Email,
                EmailConfirmed = item.Email is not null,
                DisplayName = item.DisplayName,
                FacilityId = string.IsNullOrWhiteSpace(item.Facility) ? null : Resolve(idsByCode, item.Facility),
                CreatedAt = clock.GetUtcNow(),
                LockoutEnabled = true,
            };
            if (user.FacilityId is null && item.Roles.Any(r => !Roles.NetworkWide.Contains(r)))
            {
                throw new InvalidOperationException($"Seed user '{item.UserName}' has a facility role but no facility.");
            }

            Check(await users.CreateAsync(user, item.Password), $"user {item.UserName}");
            Check(await users.AddToRolesAsync(user, item.Roles), $"roles of {item.UserName}");
            logger.LogInformation("Seeded user {UserName} with roles {Roles}", item.UserName, string.Join(",", item.Roles));
        }
    }

    private static Guid Resolve(Dictionary<string, Guid> idsByCode, string code) =>
        idsByCode.TryGetValue(code.ToUpperInvariant(), out var id)
            ? id
            : throw new InvalidOperationException($"The seed names facility '{code}', which does not exist.");

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not seed {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
