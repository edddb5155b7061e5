using System.Text;
using QRCoder;

namespace ImagePortal.Web.Components.Account;

/// <summary>Renders the authenticator enrolment URI as an inline SVG image (no script, no third-party host).</summary>
internal static class QrCodes
{
    public static string ToSvgDataUri(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.Q);
        var svg = new SvgQRCode(data).GetGraphic(4);
        return "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(svg));
    }
}
