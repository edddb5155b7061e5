using System.Globalization;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Web.Components.Shared;
using Mediator;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace ImagePortal.Web.Features.Administration;

/// <summary>
/// The quarantine an administrator may see, paged on the server, with release and delete behind a confirmation that
/// names the instance and asks for a reason. What the page shows decides nothing: each use case checks role and facility.
/// </summary>
public sealed partial class Quarantine
{
    private MudDataGrid<QuarantineRow>? _grid;
    private bool _includeEnded;
    private readonly PageOperation _operation = new();

    [Inject]
    private IMediator Mediator { get; set; } = null!;

    [Inject]
    private IDialogService Dialogs { get; set; } = null!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = null!;

    [Inject]
    private IOptionsMonitor<RetrievalOptions> Settings { get; set; } = null!;

    private string RetentionText => Settings.CurrentValue.QuarantineRetention.TotalDays is var days && days == Math.Floor(days)
        ? $"{days:0} days"
        : Settings.CurrentValue.QuarantineRetention.ToString("c", CultureInfo.InvariantCulture);

    private string LimitText => SizeText(Settings.CurrentValue.QuarantineLimitBytes);

    // Until the grid has read its first page, its empty text would be a false "nothing here" (EmptyState).
    private bool _read;

    private async Task<GridData<QuarantineRow>> LoadAsync(GridState<QuarantineRow> state, CancellationToken cancellationToken)
    {
        var result = await Mediator.Send(new ListQuarantinedInstances(_includeEnded, state.Page, state.PageSize), cancellationToken);
        _read = true;
        if (result.Failure is { } failure)
        {
            Snackbar.Add(failure.Message, Severity.Error);
        }

        return new GridData<QuarantineRow> { Items = result.Value?.Items ?? [], TotalItems = result.Value?.TotalCount ?? 0 };
    }

    private async Task OnIncludeEndedChanged(bool value)
    {
        _includeEnded = value;
        await ReloadAsync();
    }

    private async Task ReleaseAsync(QuarantineRow row)
    {
        var reason = await AskAsync("Release quarantined instance",
            $"Release instance {row.SopInstanceUid} of {row.Number} (Patient ID in the instance: '{row.PatientId}')? It is imported into your facility's " +
            "PACS under the request's local patient ID, with the source's ID kept as another patient ID. Only do this once you have verified it belongs to the request's patient.",
            "Release and import", Color.Primary);
        if (reason is not null)
        {
            await RunAsync(async () =>
            {
                var result = await Mediator.Send(new ReleaseQuarantinedInstance(row.Id, reason));
                return (result.Failure, result.Value);
            });
        }
    }

    private async Task DeleteAsync(QuarantineRow row)
    {
        var reason = await AskAsync("Delete quarantined instance",
            $"Delete instance {row.SopInstanceUid} of {row.Number} (Patient ID in the instance: '{row.PatientId}', {SizeText(row.Bytes)}) for good? Its file is removed; this cannot be undone.",
            "Delete instance", Color.Error);
        if (reason is not null)
        {
            await RunAsync(async () =>
            {
                var result = await Mediator.Send(new DeleteQuarantinedInstance(row.Id, reason));
                return (result.Failure, $"Instance {row.SopInstanceUid} of {row.Number} was deleted.");
            });
        }
    }

    /// <summary>The administrator's reason, or null when they cancelled.</summary>
    private async Task<string?> AskAsync(string title, string text, string confirm, Color color)
    {
        var parameters = new DialogParameters<QuarantineDecisionDialog>
        {
            { d => d.Text, text },
            { d => d.ConfirmText, confirm },
            { d => d.ConfirmColor, color },
        };
        var dialog = await Dialogs.ShowAsync<QuarantineDecisionDialog>(title, parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        var result = await dialog.Result;
        return result is { Canceled: false, Data: string reason } ? reason : null;
    }

    private Task RunAsync(Func<Task<(Domain.Common.Failure? Failure, string? Done)>> action) => _operation.RunAsync(async () =>
    {
        var (failure, done) = await action();
        Snackbar.Add(failure?.Message ?? done ?? "Done.", failure is null ? Severity.Success : Severity.Warning);
        await ReloadAsync();
    });

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private static Color StateColor(QuarantineState state) => state switch
    {
        QuarantineState.Held => Color.Warning,
        QuarantineState.Released => Color.Success,
        _ => Color.Default,
    };

    private static string SizeText(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.#} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => $"{bytes} bytes",
    };
}
