using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>A DICOM node as an administrator enters it.</summary>
/// <param name="CallingAddressCheck">Whether the portal's Storage SCP admits the node's AE title only from its host.</param>
public sealed record NodeSettings(
    string Name, string AeTitle, string Host, int Port, bool UseTls, DicomCapabilities Capabilities, bool IsImportDestination,
    CallingAddressCheck CallingAddressCheck = CallingAddressCheck.PortalDefault);

/// <summary>Adds a DICOM node to a facility; <see cref="Version"/> is the facility version the administrator saw.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record AddNode(Guid FacilityId, Guid Version, NodeSettings Settings) : ICommand<Result<Guid>>;

[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record UpdateNode(Guid FacilityId, Guid Version, Guid NodeId, NodeSettings Settings) : ICommand<Result>;

[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record RemoveNode(Guid FacilityId, Guid Version, Guid NodeId) : ICommand<Result>;

/// <summary>"Test connection": a C-ECHO to a saved node, with the round trip or the readable reason it failed.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record TestNodeConnection(Guid FacilityId, Guid NodeId) : ICommand<Result<EchoOutcome>>;

/// <param name="Error">Null on success; else what went wrong, for the administrator.</param>
public sealed record EchoOutcome(bool Succeeded, double RoundTripMs, string? Error);

public sealed class AddNodeValidator : IValidator<AddNode>
{
    public IEnumerable<string> Validate(AddNode message) => NodeRules.Validate(message.Settings);
}

public sealed class UpdateNodeValidator : IValidator<UpdateNode>
{
    public IEnumerable<string> Validate(UpdateNode message) => NodeRules.Validate(message.Settings);
}

internal static class NodeRules
{
    public static IEnumerable<string> Validate(NodeSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Name))
        {
            yield return "The node name is required.";
        }

        if (!AeTitle.TryParse(settings.AeTitle, out _, out var aeError))
        {
            yield return aeError;
        }

        string? hostError = null;
        try
        {
            DicomNode.ValidateHost(settings.Host);
        }
        catch (DomainException error)
        {
            hostError = error.Message;
        }

        if (hostError is not null)
        {
            yield return hostError;
        }

        if (settings.Port is < 1 or > 65535)
        {
            yield return "The port must be between 1 and 65535.";
        }

        if ((settings.Capabilities & ~DicomCapabilities.All) != 0)
        {
            yield return "Unknown DICOM capability.";
        }

        if (!Enum.IsDefined(settings.CallingAddressCheck))
        {
            yield return "Unknown calling address check.";
        }

        if (settings.IsImportDestination && (settings.Capabilities & DicomCapabilities.Store) == 0)
        {
            yield return "The import destination must accept C-STORE.";
        }
    }

    public static string Describe(DicomNode? n) => n is null
        ? "(none)"
        : string.Create(CultureInfo.InvariantCulture,
            $"name={n.Name}, AE={n.AeTitleValue}, host={n.Host}, port={n.Port}, TLS={n.UseTls}, capabilities={n.Capabilities}, import destination={n.IsImportDestination}, calling address check={n.CallingAddressCheck}");

    public static void ApplyDestination(Facility facility, DicomNode node, bool wanted)
    {
        if (wanted)
        {
            facility.SetImportDestination(node.Id);
        }
        else if (node.IsImportDestination)
        {
            throw new DomainException("Imports need a destination: make another node the import destination instead.");
        }
    }
}

public sealed class AddNodeHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access) : ICommandHandler<AddNode, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(AddNode command, CancellationToken cancellationToken)
    {
        DicomNode? added = null;
        var s = command.Settings;
        var result = await FacilityChanges.ApplyAsync(dbFactory, access, command.FacilityId, command.Version, "Adding a DICOM node",
            facility =>
            {
                added = facility.AddNode(s.Name, AeTitle.Parse(s.AeTitle), s.Host, s.Port, s.Capabilities, s.UseTls);
                facility.SetNodeCallingAddressCheck(added.Id, s.CallingAddressCheck);
                NodeRules.ApplyDestination(facility, added, s.IsImportDestination);
            },
            cancellationToken,
            _ => NodeRules.Describe(added));
        return result.IsSuccess ? added!.Id : Result<Guid>.FromFailure(result.Failure!);
    }
}

public sealed class UpdateNodeHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access) : ICommandHandler<UpdateNode, Result>
{
    public async ValueTask<Result> Handle(UpdateNode command, CancellationToken cancellationToken)
    {
        var s = command.Settings;
        return await FacilityChanges.ApplyAsync(dbFactory, access, command.FacilityId, command.Version, "Editing a DICOM node",
            facility =>
            {
                facility.UpdateNode(command.NodeId, s.Name, AeTitle.Parse(s.AeTitle), s.Host, s.Port, s.Capabilities, s.UseTls);
                facility.SetNodeCallingAddressCheck(command.NodeId, s.CallingAddressCheck);
                NodeRules.ApplyDestination(facility, facility.Nodes.Single(n => n.Id == command.NodeId), s.IsImportDestination);
            },
            cancellationToken,
            facility => NodeRules.Describe(facility.Nodes.FirstOrDefault(n => n.Id == command.NodeId)));
    }
}

public sealed class RemoveNodeHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access) : ICommandHandler<RemoveNode, Result>
{
    public async ValueTask<Result> Handle(RemoveNode command, CancellationToken cancellationToken) =>
        await FacilityChanges.ApplyAsync(dbFactory, access, command.FacilityId, command.Version, "Removing a DICOM node",
            facility => facility.RemoveNode(command.NodeId),
            cancellationToken,
            facility => NodeRules.Describe(facility.Nodes.FirstOrDefault(n => n.Id == command.NodeId)));
}

/// <summary>Also remembers the outcome on the node: the administrators' home page lists nodes whose last attempt failed.</summary>
public sealed class TestNodeConnectionHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, IPacsGateway pacs, IAuditTrail audit, TimeProvider clock)
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
            var roundTrip = await pacs.EchoAsync(node, cancellationToken);
            outcome = new EchoOutcome(true, Math.Round(roundTrip.TotalMilliseconds, 1), null);
        }
        catch (PacsUnavailableException error)
        {
            outcome = new EchoOutcome(false, 0, error.Message);
        }

        node.RecordEcho(clock.GetUtcNow(), outcome.Succeeded, outcome.Error);
        audit.Stage(db,
            new AuditEntry(AuditEventType.ConfigurationChange, AuditAction.Execute, outcome.Succeeded ? AuditOutcome.Success : AuditOutcome.MinorFailure,
                outcome.Succeeded
                    ? string.Create(CultureInfo.InvariantCulture, $"C-ECHO to {node.AeTitleValue} at {node.Host}:{node.Port} succeeded in {outcome.RoundTripMs} ms")
                    : $"C-ECHO to {node.AeTitleValue} at {node.Host}:{node.Port} failed: {outcome.Error}",
                ObjectReference: node.AeTitleValue));
        await db.SaveChangesAsync(cancellationToken);
        await audit.SealStagedAsync(cancellationToken);
        return outcome;
    }
}
