using System.Text;

namespace ImagePortal.Tests.Network.Pdu;

/// <summary>Builds expected PDU bytes from hex and ASCII pieces, so tests read like the PS3.8 tables.</summary>
internal static class PduBytes
{
    public static byte[] Of(params object[] pieces)
    {
        var bytes = new List<byte>();
        foreach (var piece in pieces)
        {
            switch (piece)
            {
                case string hex when hex.StartsWith("a:", StringComparison.Ordinal):
                    bytes.AddRange(Encoding.ASCII.GetBytes(hex[2..]));
                    break;
                case string hex:
                    bytes.AddRange(Convert.FromHexString(hex.Replace(" ", string.Empty)));
                    break;
                case byte[] raw:
                    bytes.AddRange(raw);
                    break;
                default:
                    throw new ArgumentException($"Unsupported piece {piece}");
            }
        }

        return [.. bytes];
    }

    public static string Ae(string title) => "a:" + title.PadRight(16);

    public static string Zeros(int count) => new('0', count * 2);
}
