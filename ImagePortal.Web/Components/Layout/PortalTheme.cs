using MudBlazor;

namespace ImagePortal.Web.Components.Layout;

public static class PortalTheme
{
    private const string DarkText = "#1a1a27";

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
        // In the dark the colours are light, so they carry dark text (MudBlazor's dark defaults carry white on light
        // blue, 1.7:1), and secondary text is brighter than MudBlazor's half-white (4.25:1 on a surface).
        PaletteDark = new PaletteDark
        {
            Primary = "#90caf9",
            PrimaryContrastText = DarkText,
            Secondary = "#80cbc4",
            SecondaryContrastText = DarkText,
            Info = "#81d4fa",
            InfoContrastText = DarkText,
            Success = "#81c784",
            SuccessContrastText = DarkText,
            Warning = "#ffb74d",
            WarningContrastText = DarkText,
            Error = "#ef9a9a",
            ErrorContrastText = DarkText,
            TextSecondary = "rgba(255,255,255,0.7)",
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
