using ImagePortal.Domain.Common;
using ImagePortal.Web.Components.Shared;
using ImagePortal.Web.Features.Administration.Facilities;
using Mediator;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ImagePortal.Web.Features.Administration.Users;

/// <summary>
/// The users an administrator manages: a paged, searchable list, an editor (<see cref="UserEditor"/>) and the account
/// actions (lock, disable, reset two-factor). A facility administrator gives only facility roles; the handlers check again.
/// </summary>
public partial class UsersPage
{
    private MudDataGrid<UserRow>? _grid;
    private string? _search;
    private readonly PageOperation _operation = new();
    private UserModel? _edit;
    private (string UserName, string? Password)? _created;
    private IReadOnlyList<FacilityRow> _facilities = [];
    private IReadOnlyList<string> AssignableRoles { get; set; } = Roles.All;

    [Inject]
    private IMediator Mediator { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    protected override async Task OnInitializedAsync()
    {
        var facilities = await Mediator.Send(new ListFacilities(null, 0, 100));
        _facilities = facilities.Value?.Items ?? [];
        if (AuthenticationState is not null && !(await AuthenticationState).User.IsInRole(Roles.NetworkAdmin))
        {
            AssignableRoles = [Roles.Clerk, Roles.Approver, Roles.Auditor, Roles.FacilityAdmin];
        }
    }

    // Until the grid has read its first page, its empty text would be a false "nothing here" (EmptyState).
    private bool _read;

    private async Task<GridData<UserRow>> LoadAsync(GridState<UserRow> state, CancellationToken cancellationToken)
    {
        var result = await Mediator.Send(new ListUsers(_search, state.Page, state.PageSize), cancellationToken);
        _read = true;
        _operation.Error = result.Failure?.Message ?? _operation.Error;
        return result.Value is { } page
            ? new GridData<UserRow> { Items = page.Items, TotalItems = page.TotalCount }
            : new GridData<UserRow> { Items = [], TotalItems = 0 };
    }

    private async Task OnSearchChanged(string? value)
    {
        _search = value;
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    private void NewUser()
    {
        _created = null;
        _edit = new UserModel { FacilityId = _facilities.Count == 1 ? _facilities[0].Id : null };
    }

    private void Edit(UserRow row) => _edit = UserModel.From(row);

    private Task SaveAsync() => _edit is not { } edit ? Task.CompletedTask : _operation.RunAsync(async () =>
    {
        var profile = edit.ToProfile();
        if (edit.Id is { } id)
        {
            var result = await Mediator.Send(new UpdateUser(id, edit.ConcurrencyStamp, profile));
            _operation.Report(result.Failure, $"{edit.UserName} was saved.");
            if (result.IsSuccess)
            {
                _edit = null;
            }
        }
        else
        {
            var result = await Mediator.Send(new CreateUser(edit.UserName ?? "", profile));
            _operation.Report(result.Failure);
            if (result.Value is { } created)
            {
                _created = (edit.UserName!.Trim(), created.OneTimePassword);
                _edit = null;
            }
        }

        await ReloadAsync();
    });

    private async Task ActAsync(UserRow row, UserAction action)
    {
        var (title, text) = action switch
        {
            UserAction.Lock => ("Lock user", $"Lock {row.UserName}? They cannot sign in until unlocked, and open sessions end."),
            UserAction.Disable => ("Disable user", $"Disable {row.UserName}? They cannot sign in, and open sessions end."),
            UserAction.ResetTwoFactor => ("Reset two-factor", $"Reset the two-factor sign-in of {row.UserName}? They must enrol their authenticator again."),
            _ => (null, null),
        };
        if (title is not null && await Dialogs.ShowMessageBoxAsync(title, text!, yesText: title.Split(' ')[0], cancelText: "Cancel") != true)
        {
            return;
        }

        await _operation.RunAsync(async () =>
        {
            var result = await Mediator.Send(new ChangeUserAccount(row.Id, action));
            _operation.Report(result.Failure, $"{row.UserName}: {Done(action)}.");
            await ReloadAsync();
        });
    }

    private static string Done(UserAction action) => action switch
    {
        UserAction.Lock => "locked",
        UserAction.Unlock => "unlocked",
        UserAction.Disable => "disabled",
        UserAction.Enable => "enabled",
        _ => "two-factor sign-in reset",
    };
}
