using ImagePortal.Domain.Common;
using ImagePortal.Web.Components.Shared;
using ImagePortal.Web.Features.Administration.Nodes;
using Mediator;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>
/// A facility's administration: its settings (<see cref="FacilityForm"/>), its DICOM nodes (<see cref="NodeTable"/>,
/// <see cref="NodeEditor"/>) and whether it takes requests. Every change carries the facility's version, and the page reads
/// the facility again after each one.
/// </summary>
public partial class FacilityPage
{
    private readonly PageOperation _operation = new();
    private FacilityModel _model = new();
    private FacilityDetails? _details;
    private NodeModel? _node;
    private Guid? _nodeId;
    private bool _notFound;

    [Inject]
    private IMediator Mediator { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Parameter]
    public Guid? Id { get; set; }

    protected override async Task OnParametersSetAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        if (Id is not { } id)
        {
            return;
        }

        var result = await Mediator.Send(new GetFacility(id));
        _notFound = result.Failure?.Kind == FailureKind.NotFound;
        _operation.Error = _notFound ? null : result.Failure?.Message;
        if (result.Value is { } details)
        {
            _details = details;
            _model = FacilityModel.From(details);
        }
    }

    private Task SaveAsync() => _operation.RunAsync(async () =>
    {
        var settings = _model.ToSettings();
        if (Id is { } id)
        {
            var result = await Mediator.Send(new UpdateFacility(id, _details!.Version, settings));
            _operation.Report(result.Failure);
            if (result.IsSuccess)
            {
                await LoadAsync();
                _operation.Success = "The facility was saved.";
            }
        }
        else
        {
            var result = await Mediator.Send(new CreateFacility(_model.Code ?? "", settings));
            _operation.Report(result.Failure);
            if (result.IsSuccess)
            {
                Navigation.NavigateTo($"/admin/facilities/{result.Value}");
            }
        }
    });

    private async Task ToggleActiveAsync()
    {
        var details = _details!;
        var activate = !details.IsActive;
        var confirmed = await Dialogs.ShowMessageBoxAsync(activate ? "Activate facility" : "Deactivate facility",
            activate ? $"Activate {details.Name}? It will take requests again." : $"Deactivate {details.Name}? It will take no new requests.",
            yesText: activate ? "Activate" : "Deactivate", cancelText: "Cancel");
        if (confirmed == true)
        {
            await ChangeAsync(async () => (await Mediator.Send(new SetFacilityActive(details.Id, details.Version, activate))).Failure,
                activate ? "The facility is active." : "The facility is deactivated.");
        }
    }

    private void NewNode()
    {
        _nodeId = null;
        _node = new NodeModel();
    }

    private void EditNode(NodeDetails node)
    {
        _nodeId = node.Id;
        _node = NodeModel.From(node);
    }

    private Task SaveNodeAsync()
    {
        var settings = _node!.ToSettings();
        var label = settings.Protocol == Domain.Facilities.NodeProtocol.DicomWeb ? settings.Name.Trim() : settings.AeTitle.Trim();
        return _nodeId is { } nodeId
            ? ChangeAsync(async () => (await Mediator.Send(new UpdateNode(_details!.Id, _details.Version, nodeId, settings))).Failure,
                $"Node {label} was saved.", closeEditor: true)
            : ChangeAsync(async () => (await Mediator.Send(new AddNode(_details!.Id, _details.Version, settings))).Failure,
                $"Node {label} was added.", closeEditor: true);
    }

    private async Task RemoveNodeAsync(NodeDetails node)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Remove node",
            $"Remove node {node.Name} ({(node.IsDicomWeb ? node.Address : $"{node.AeTitle} at {node.Host}:{node.Port}")})? The portal will no longer talk to it.",
            yesText: "Remove", cancelText: "Cancel");
        if (confirmed == true)
        {
            await ChangeAsync(async () => (await Mediator.Send(new RemoveNode(_details!.Id, _details.Version, node.Id))).Failure, $"Node {node.Label} was removed.");
        }
    }

    /// <summary>Sends a change of the facility or its nodes, shows its outcome and reads the facility again (its version moved).</summary>
    private Task ChangeAsync(Func<Task<Failure?>> change, string success, bool closeEditor = false) => _operation.RunAsync(async () =>
    {
        var failure = await change();
        if (failure is null && closeEditor)
        {
            _node = null;
        }

        await LoadAsync();
        _operation.Report(failure, success);
    });
}
