using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Web.Components.Shared;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Notifications;
using ImagePortal.Web.Features.Viewing;
using ImagePortal.Web.Security;
using Mediator;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// One request as either side sees it: what was asked, the source's answer, the import's progress, the actions the
/// request allows this user (the handlers decide again), and its timeline. It refreshes when anyone changes the request.
/// The outcome of an action shows as a snackbar; <see cref="PageOperation"/> keeps one action at a time.
/// </summary>
public partial class RequestPage
{
    private readonly PageOperation _operation = new();
    private RequestDetails? _request;
    private bool _notFound;
    private DenialReason? _denialReason;
    private string? _note;
    private string? _comment;
    private JobRow? _job;

    /// <summary>
    /// Whether the approved studies link to the viewer: for the source facility's approvers and administrators, and for
    /// the requesting facility's clerks once the import has ended (the DICOMweb service still decides what each sees).
    /// </summary>
    private bool _canView;

    private HashSet<string> _viewable = [];

    [Inject]
    private IMediator Mediator { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Parameter]
    public string Number { get; set; } = string.Empty;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    public static string ViewerLink(string number, string studyUid) =>
        $"/requests/{Uri.EscapeDataString(number)}/viewer?study={Uri.EscapeDataString(studyUid)}";

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            Watch(ChangeNotifier.Request(Number), LoadAsync);
        }
    }

    protected override Task OnParametersSetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        var result = await Mediator.Send(new GetRequest(Number));
        _request = result.Value;
        var user = (await AuthenticationState).User;
        _canView = _request is { } loaded
                   && ((loaded.IsSourceSide && (user.IsInRole(Roles.Approver) || user.IsInRole(Roles.FacilityAdmin)))
                       || (loaded.IsRequesterSide && user.IsInRole(Roles.Clerk)
                           && loaded.Status is RequestStatus.Completed or RequestStatus.PartiallyCompleted));
        // Thumbnails only for the studies the DICOMweb service would show this user (a clerk's imported ones).
        _viewable = _canView && (await Mediator.Send(new ListViewableStudies(Number))).Value is { } viewable
            ? viewable.ToHashSet(StringComparer.Ordinal)
            : [];
        _job = _request is null ? null : (await Mediator.Send(new GetJobProgress(Number))).Value;
        _notFound = result.Failure?.Kind == FailureKind.NotFound;
        if (result.Failure is { Kind: not FailureKind.NotFound } failure)
        {
            Snackbar.Add(failure.Message, Severity.Error);
        }
    }

    private Task RunAsync(ICommand<Result> command, string success) => _operation.RunAsync(async () =>
    {
        var result = await Mediator.Send(command);
        Snackbar.Add(result.Failure?.Message ?? success, result.IsSuccess ? Severity.Success : Severity.Warning);
        _note = null;
        await LoadAsync();
    });

    private async Task PostCommentAsync(string number)
    {
        await RunAsync(new AddComment(number, _comment ?? ""), "Comment posted.");
        _comment = null;
    }

    private async Task DenyAsync()
    {
        if (_request is null || _denialReason is not { } reason)
        {
            Snackbar.Add("Choose a denial reason first.", Severity.Warning);
            return;
        }

        var confirmed = await Dialogs.ShowMessageBoxAsync("Deny request",
            $"Deny {_request.Number} for {_request.RequestingFacility} ({reason})? The requester is told at once; this cannot be undone.",
            yesText: "Deny request", cancelText: "Keep it");
        if (confirmed == true)
        {
            await RunAsync(new DenyRequest(_request.Number, _request.Version, reason, _note), "Denied.");
        }
    }

    private async Task AskAsync()
    {
        if (_request is null || string.IsNullOrWhiteSpace(_note))
        {
            Snackbar.Add("Write the question in the note first.", Severity.Warning);
            return;
        }

        await RunAsync(new AskForInformation(_request.Number, _request.Version, _note), "Sent back to the requester with your question.");
    }

    private async Task CancelAsync()
    {
        if (_request is null)
        {
            return;
        }

        var confirmed = await Dialogs.ShowMessageBoxAsync("Cancel request",
            $"Cancel {_request.Number}? {_request.SourceFacility} will no longer see it in their inbox.",
            yesText: "Cancel request", cancelText: "Keep it");
        if (confirmed == true)
        {
            await RunAsync(new CancelRequest(_request.Number, _request.Version), "Cancelled.");
        }
    }
}
