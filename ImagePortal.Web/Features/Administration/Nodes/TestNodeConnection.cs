using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Nodes;

/// <summary>"Test connection": a C-ECHO to a saved DIMSE node, a QIDO-RS search (limit 1) of a DICOMweb node, with the round trip or the readable reason it failed.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record TestNodeConnection(Guid FacilityId, Guid NodeId) : ICommand<Result<EchoOutcome>>;

/// <param name="Error">Null on success; else what went wrong, for the administrator.</param>
public sealed record EchoOutcome(bool Succeeded, double RoundTripMs, string? Error);

/// <summary>Also remembers the outcome on the node: the administrators' home page lists nodes whose last attempt failed.</summary>
public sealed class TestNodeConnectionHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, IPacsGateway pacs, DicomWebConnectionCheck web, IAuditTrail audit,
    TimeProvider clock)
    : ICommandHandler<TestNodeConnection, Result<EchoOutcome>>
{
    public async ValueTask<Result<EchoOutcome>> Handle(TestNodeConnection command, CancellationToken cancellationToken)
    {
        if (!await access.CanManageAsync(command.FacilityId, "Testing a DICOM node", cancellationToken))
        {
            return Result<EchoOutcome>.NotFound(AdminAccess.NotFoundMessage);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var node = await db.DicomNodes.FirstOrDefaultAsync(n => n.Id == command.NodeId && n.FacilityId == command.FacilityId, cancellationToken);
        if (node is null)
        {
            return Result<EchoOutcome>.NotFound("No such DICOM node.");
        }

        EchoOutcome outcome;
        try
        {
            var roundTrip = node.IsDicomWeb ? await web.TestAsync(node, cancellationToken) : await pacs.EchoAsync(node, cancellationToken);
            outcome = new EchoOutcome(true, Math.Round(roundTrip.TotalMilliseconds, 1), null);
        }
        catch (PacsUnavailableException error)
        {
            outcome = new EchoOutcome(false, 0, error.Message);
        }
        catch (DicomWebException error)
        {
            outcome = new EchoOutcome(false, 0, error.Message);
        }

        node.RecordEcho(clock.GetUtcNow(), outcome.Succeeded, outcome.Error);
        var test = node.IsDicomWeb ? $"QIDO-RS search of {node.Address}" : $"C-ECHO to {node.AeTitleValue} at {node.Host}:{node.Port}";
        audit.Stage(db,
            new AuditEntry(AuditEventType.ConfigurationChange, AuditAction.Execute, outcome.Succeeded ? AuditOutcome.Success : AuditOutcome.MinorFailure,
                outcome.Succeeded
                    ? string.Create(CultureInfo.InvariantCulture, $"{test} succeeded in {outcome.RoundTripMs} ms")
                    : $"{test} failed: {outcome.Error}",
                ObjectReference: node.IsDicomWeb ? node.Address : node.AeTitleValue));
        await db.SaveChangesAsync(cancellationToken);
        await audit.SealStagedAsync(cancellationToken);
        return outcome;
    }
}
