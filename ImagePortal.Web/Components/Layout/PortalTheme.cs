using MudBlazor;

namespace ImagePortal.Web.Components.Layout;

public static class PortalTheme
{
    public static MudTheme Theme { get; } = new()
    {
        // Every colour carries white text (filled chips, the Demo badge, snackbars, buttons) or is text on white
        // (outlined and text buttons, alerts): each is dark enough for 4.5:1 either way (WCAG 2.2 1.4.3), where
        // MudBlazor's defaults (#00c853 success, #ff9800 warning, #2196f3 info, #f44336 error) are not.
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#00796b",
            Info = "#0277bd",
            Success = "#2e7d32",
            Warning = "#b45309",
            Error = "#c62828",
            AppbarBackground = "#0d47a1",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#90caf9",
            Secondary = "#80cbc4",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                // System fonts: the CSP allows no font host, and a rural site may have no internet at all.
                FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
            },
        },
    };
}
