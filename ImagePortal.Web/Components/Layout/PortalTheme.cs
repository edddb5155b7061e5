using MudBlazor;

namespace ImagePortal.Web.Components.Layout;

public static class PortalTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#00897b",
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
