using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace ImagePortal.Web.Components.Shared;

/// <summary>
/// A server-data grid that tells its page once it has shown its first read. MudDataGrid reads its server data only once
/// the circuit is live (after its first render), so a page that shows rows before that (its first page, read while
/// prerendering and kept in a <c>[PersistentState]</c> property) keeps showing them until this grid has rows of its own:
/// the page swaps the two in the render that follows this grid's, and the rows never blink out.
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
