using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using Mediator;
using Microsoft.AspNetCore.Components;

namespace ImagePortal.Web.Features.Audit;

/// <summary>
/// The audit trail for auditors: filtered, paged by sequence number (newest first), each event expandable to every
/// stored field; the chain's integrity can be checked from here, with progress and a cancel button.
/// </summary>
public partial class AuditEvents
{
    private AuditPage? _page;
    private IReadOnlyList<AuditEventRow> _rows = [];
    private int _pageSize = 25;
    private bool _loading = true;
    private AuditFilter _filter = new();
    private string? _error;
    private bool _verifying;
    private long _checkedSoFar;
    private AuditVerification? _verification;
    private AuditExportStatus? _export;

    [Inject]
    private IMediator Mediator { get; set; } = default!;

    /// <summary>An event kind to start filtered by, e.g. <c>?type=SecurityAlert</c> from the home page.</summary>
    [SupplyParameterFromQuery(Name = "type")]
    public string? Type { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (Enum.TryParse<AuditEventType>(Type, ignoreCase: true, out var type) && Enum.IsDefined(type))
        {
            _filter = _filter with { Type = type };
        }

        _export = (await Mediator.Send(new GetAuditExportStatus())).Value;
        if (FirstPage is { } first)
        {
            Show(first, failure: null);
        }
        else
        {
            await LoadAsync(null, null);
            FirstPage = _page;
        }
    }

    /// <summary>
    /// The newest page of the trail as the page opened with it. Read while the page is prerendered, so that its rows show
    /// before the circuit is live, and handed to the circuit with the page: each read is an audited view, and the
    /// circuit, which initializes the page a second time, finds the page here instead of reading (and auditing) it again.
    /// </summary>
    [PersistentState]
    public AuditPage? FirstPage { get; set; }

    // Until the grid has read its first page, its empty text would be a false "nothing here" (EmptyState).
    private bool _read;

    private string Shown => _rows.Count == 0 ? string.Empty : $"#{_rows[0].Sequence} to #{_rows[^1].Sequence}{(_page is { HasOlder: true } ? ", more older" : string.Empty)}";

    private Task OlderAsync() => _rows.Count == 0 ? Task.CompletedTask : LoadAsync(_rows[^1].Sequence, null);

    private Task NewerAsync() => _rows.Count == 0 ? LoadAsync(null, null) : LoadAsync(null, _rows[0].Sequence);

    private Task ChangePageSizeAsync(int size)
    {
        _pageSize = size;
        return LoadAsync(null, null);
    }

    private async Task LoadAsync(long? before, long? after)
    {
        _loading = true;
        StateHasChanged();
        var result = await Mediator.Send(new ListAuditEvents(_filter, _pageSize, before, after));
        if (after is not null && result.Value is { Items.Count: 0 })
        {
            // Nothing newer any more (the filter changed meanwhile): start again from the newest.
            result = await Mediator.Send(new ListAuditEvents(_filter, _pageSize));
        }

        Show(result.Value, result.Failure?.Message);
        StateHasChanged();
    }

    private void Show(AuditPage? page, string? failure)
    {
        _page = page;
        _rows = page?.Items ?? [];
        _read = true;
        _loading = false;
        _error = failure;
    }

    private CancellationTokenSource? _verifyCancel;

    private async Task VerifyAsync(AuditVerificationScope scope)
    {
        _verifying = true;
        _verification = null;
        _checkedSoFar = 0;
        _verifyCancel = new CancellationTokenSource();
        StateHasChanged();
        try
        {
            var progress = new Progress<long>(count =>
            {
                _checkedSoFar = count;
                _ = InvokeAsync(StateHasChanged);
            });

            // Off the circuit's dispatcher: the walk reads SQLite synchronously and would otherwise hold it, and no
            // progress (nor the Cancel button) would render until it ended.
            var token = _verifyCancel.Token;
            var result = await Task.Run(async () => await Mediator.Send(new VerifyAuditTrail(scope, progress), token), CancellationToken.None);
            _verification = result.Value;
            _error = result.Failure?.Message;
        }
        catch (OperationCanceledException)
        {
            // Cancelled before the walk began (while the checkpoints were read): nothing was checked.
            _error = "Check cancelled before any event was checked.";
        }
        finally
        {
            _verifying = false;
            _verifyCancel.Dispose();
            _verifyCancel = null;
        }
    }

    private void CancelVerification() => _verifyCancel?.Cancel();

    public void Dispose() => _verifyCancel?.Cancel();

    private Task ReloadAsync(AuditFilter filter)
    {
        _filter = filter;
        return LoadAsync(null, null);
    }
}
