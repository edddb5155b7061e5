using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace ImagePortal.Web.Components.Shared;

/// <summary>
/// A server-data grid that tells its page once it has shown its first read. MudDataGrid reads its server data only once
/// the circuit is live (after its first render), so a page that shows rows before that (read while prerendering, see
/// <see cref="GridSnapshot{T}"/>) keeps showing them until this grid has rows of its own to show: the page swaps the two
/// in the render that follows this grid's, and the rows never blink out.
/// </summary>
public sealed class LiveGrid<T> : MudDataGrid<T>
{
    /// <summary>Raised once, after the render that shows the grid's first read (its render batch is already sent).</summary>
    [Parameter]
    public EventCallback FirstReadShown { get; set; }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The first render reads the server data and renders again; the render with the rows is done (and sent) when
        // the base returns, so the page's swap comes after it.
        await base.OnAfterRenderAsync(firstRender);
        if (firstRender)
        {
            await FirstReadShown.InvokeAsync();
        }
    }
}

/// <summary>
/// The first page of a list, read while the page is prerendered and handed to the circuit with the page (a
/// <c>[PersistentState]</c> property), so that the list's rows show from the page's first paint instead of once the
/// circuit is live and its grid has read them.
/// </summary>
public sealed record GridSnapshot<T>(IReadOnlyList<T> Items, int TotalCount);
