using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Releases a held instance after an administrator verified that it belongs to the request's patient: it is reconciled
/// exactly as the retrieval reconciles an imported instance (the same <see cref="ReconcilePlan"/> of the request and the
/// two facilities), C-STOREd into the requesting facility's import destination, written into the exactly-once ledger
/// (an instance the ledger already holds for that destination is not sent again), marked Released, audited and noted
/// on the request's timeline. When the destination fails, the instance stays held and the reason is returned.
/// The caller has checked that the administrator may see the instance.
/// </summary>
public sealed class QuarantineRelease(
    IDbContextFactory<ImagePortalDbContext> dbFactory,
    QuarantineStore store,
    IOptionsMonitor<PortalDicomOptions> dicomOptions,
    IPortalDicomSettings portalIdentity,
    IAuditTrail audit,
    IRetrievalObserver observer,
    TimeProvider clock,
    ILoggerFactory loggers,
    DicomNetworkMetrics metrics,
    DicomWebNodes webNodes)
{
    private static readonly string[] LittleEndian = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    /// <returns>On success, what happened in words for the administrator.</returns>
    public async Task<Result<string>> ReleaseAsync(Guid quarantinedId, string userId, string userName, string reason, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(userId))
        {
            return Result<string>.Invalid("Only a signed-in administrator can release a quarantined instance.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var held = await db.QuarantinedInstances.FirstOrDefaultAsync(q => q.Id == quarantinedId, cancellationToken);
        if (held is null)
        {
            return Result<string>.NotFound("No such quarantined instance.");
        }

        if (!held.IsHeld)
        {
            return Result<string>.Fail(FailureKind.Conflict, $"Quarantined instance {held.SopInstanceUid} was already {held.State.ToString().ToLowerInvariant()}.");
        }

        var request = await db.ImageRequests.Include(r => r.Events).SingleAsync(r => r.Id == held.RequestId, cancellationToken);
        var requester = await db.Facilities.AsNoTracking().Include(f => f.Nodes).SingleAsync(f => f.Id == request.RequestingFacilityId, cancellationToken);
        var source = await db.Facilities.AsNoTracking().SingleAsync(f => f.Id == request.SourceFacilityId, cancellationToken);
        if (requester.ImportDestination is not { } destination)
        {
            return Result<string>.Invalid($"{requester.Code} has no import destination node; an administrator must choose one first.");
        }

        var path = store.PathOf(held.FileName);
        if (!File.Exists(path))
        {
            return Result<string>.NotFound($"The file of quarantined instance {held.SopInstanceUid} is no longer in the quarantine folder.");
        }

        DicomFile file;
        try
        {
            file = DicomFile.Open(path);
        }
        catch (DicomFormatException error)
        {
            return Result<string>.Invalid($"The quarantined file is not valid DICOM ({error.Message}); it can only be deleted.");
        }

        // The data set's own UIDs, not the announced one: it is the data set that reaches the destination.
        var sopClass = file.Dataset.GetString(DicomTag.SOPClassUID);
        var sop = file.Dataset.GetString(DicomTag.SOPInstanceUID);
        var study = file.Dataset.GetString(DicomTag.StudyInstanceUID);
        if (!IsUid(sopClass) || !IsUid(sop) || !IsUid(study))
        {
            return Result<string>.Invalid("The quarantined instance lacks a valid SOP Class, SOP Instance or Study Instance UID; it can only be deleted.");
        }

        // Decided before anything is sent (a missing reason stops here); saved only once the destination has it.
        var now = clock.GetUtcNow();
        try
        {
            held.Release(userName, reason, now);
        }
        catch (DomainException error)
        {
            return Result<string>.Invalid(error.Message);
        }

        var bytes = new FileInfo(path).Length;
        var inLedger = await db.ImportedInstances.AnyAsync(i => i.SopInstanceUid == sop && i.DestinationNodeId == destination.Id, cancellationToken);
        ReconcileNotes? notes = null;
        if (!inLedger)
        {
            var plan = new ReconcilePlan(
                request.Patient.LocalMrn, requester.PatientIdIssuer, source.PatientIdIssuer, source.Code,
                requester.AccessionPolicy, requester.DemographicsPolicy, request.Patient);
            notes = InstanceReconciler.Apply(file.Dataset, plan);
            var stored = destination.IsDicomWeb
                ? await StowAsync(destination, file, sopClass!, sop!, cancellationToken)
                : await StoreAsync(destination, file, sopClass!, sop!, cancellationToken);
            if (stored is { } failure)
            {
                return Result<string>.Fail(FailureKind.Unavailable, $"{failure} The instance stays in quarantine.");
            }
        }

        var done = inLedger
            ? $"Quarantined instance {sop} released: {Name(destination)} already held it (imported before), so it was not sent again"
            : $"Quarantined instance {sop} released and imported into {Name(destination)} as patient {request.Patient.LocalMrn}" +
              (notes?.AccessionKept is { } kept ? $" (accession number '{kept}' kept as the source sent it)" : string.Empty);
        if (!inLedger)
        {
            db.ImportedInstances.Add(new ImportedInstance(held.JobId, destination.Id, study!, sop!, bytes, now));
        }

        var note = $"{done}. Reason: {held.Resolution}";
        request.RecordQuarantineRelease(userId, note.Length <= 1000 ? note : note[..997] + "...", now);
        audit.Stage(db,
            new AuditEntry(AuditEventType.InstancesTransferred, AuditAction.Create, AuditOutcome.Success,
                $"Request {request.Number}: {done}; released from quarantine by {userName}: {held.Resolution}",
                request.Patient.LocalMrn, request.Number));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Result<string>.Fail(FailureKind.Conflict, $"Quarantined instance {held.SopInstanceUid} changed meanwhile (released, deleted or purged). Reload the list.");
        }

        if (store.Delete(held.FileName) is { } problem)
        {
            loggers.CreateLogger<QuarantineRelease>().LogWarning("Released instance {Id}: its file {File} could not be removed: {Problem}", held.Id, held.FileName, problem);
        }

        await audit.SealStagedAsync(cancellationToken);
        await observer.RequestChangedAsync(request, RequestEventKind.QuarantineReleased, cancellationToken);
        return Result<string>.Success(done + ".");
    }

    /// <summary>C-STOREs the reconciled data set; null on success, else why not in words.</summary>
    private async Task<string?> StoreAsync(DicomNode destination, DicomFile file, string sopClass, string sop, CancellationToken cancellationToken)
    {
        // Its own syntax first (big endian too); uncompressed data may travel in either little-endian syntax.
        var own = file.TransferSyntax;
        List<string> wanted = [own.Uid];
        if (!own.IsEncapsulated)
        {
            wanted.AddRange(LittleEndian.Where(s => s != own.Uid));
        }

        var settings = dicomOptions.CurrentValue;
        var identity = await portalIdentity.GetAsync(cancellationToken);
        var client = new DicomClient(destination.Host, destination.Port, DicomTlsFiles.AssociationFor(destination, identity, settings), loggers, metrics);
        try
        {
            await using var association = await client.OpenAsync([.. wanted.Select(s => new PresentationContextRequest(sopClass, [s]))], cancellationToken);
            var syntax = wanted.FirstOrDefault(s => association.Association.FindContext(sopClass, s) is not null);
            if (syntax is null)
            {
                await association.ReleaseAsync(cancellationToken);
                return $"{destination.AeTitleValue} does not accept {DicomUid.Find(sopClass)?.Name ?? sopClass} in {own.Name}.";
            }

            // Encoded into a temporary file, not memory: the file's large values are read from the quarantine as written.
            await using var encoded = new FileStream(
                Path.Combine(Path.GetTempPath(), $"imageportal-release-{Guid.NewGuid():N}.dcm"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
                1 << 16, FileOptions.DeleteOnClose);
            DicomWriter.WriteDataset(encoded, file.Dataset, DicomTransferSyntax.Lookup(syntax));
            encoded.Position = 0;
            var response = await association.StoreAsync(sopClass, sop, syntax, encoded, cancellationToken: cancellationToken);
            await association.ReleaseAsync(cancellationToken);

            // PS3.4 B.2.3: warnings are stored; 0x0111 ("duplicate SOP instance") means the destination already holds it.
            return response.Status.IsSuccessOrWarning || response.Status.Code == 0x0111
                ? null
                : $"{destination.AeTitleValue} answered {response.Status}{(response.ErrorComment is { Length: > 0 } c ? $" ({c})" : "")}.";
        }
        catch (Exception error) when (PacsGateway.Readable(destination, error) is { } readable)
        {
            return readable.Message;
        }
    }

    /// <summary>
    /// Sends the reconciled data set by STOW-RS, as a Part 10 file in its own transfer syntax (STOW-RS negotiates none),
    /// written into a temporary file first so that its large values are read from the quarantine, not held in memory.
    /// Null when the node stored it (a warning too), else why not in words.
    /// </summary>
    private async Task<string?> StowAsync(DicomNode destination, DicomFile file, string sopClass, string sop, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"imageportal-release-{Guid.NewGuid():N}.dcm");
        try
        {
            await using (var encoded = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                encoded.Write(new Part10Header(sopClass, sop, file.TransferSyntax.Uid).Encode());
                DicomWriter.WriteDataset(encoded, file.Dataset, file.TransferSyntax);
            }

            var outcome = (await webNodes.ClientFor(destination).StoreAsync([StowInstance.FromFile(sopClass, sop, path)], cancellationToken: cancellationToken)
                .ToListAsync(cancellationToken)).Single();
            return outcome.Status switch
            {
                StowStatus.Stored or StowStatus.StoredWithWarning => null,
                StowStatus.Failed => $"{Name(destination)} refused it: {outcome.Reason}.",
                _ => $"{Name(destination)} did not confirm it ({outcome.Reason}).",
            };
        }
        catch (DicomWebException error)
        {
            return error.Message;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Name(DicomNode node) => node.IsDicomWeb ? $"{node.Name} ({node.Address})" : node.AeTitleValue;

    private static bool IsUid(string? value) => value is not null && DicomUid.IsValid(value);
}
