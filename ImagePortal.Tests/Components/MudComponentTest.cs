using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace ImagePortal.Tests.Components;

/// <summary>bUnit 2 context with MudBlazor registered once; MudBlazor's JS calls are answered loosely.</summary>
public abstract class MudComponentTest : BunitContext
{
    protected MudComponentTest()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }
}
