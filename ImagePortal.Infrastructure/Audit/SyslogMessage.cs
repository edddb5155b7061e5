using System.Globalization;
using System.Text;
using ImagePortal.Domain.Audit;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// RFC 5424 syslog messages as IHE ATNA wants them (ITI TF-2 3.20.4.2): facility 10 (security/authorization), the
/// DICOM audit message as MSG after a UTF-8 BOM, MSGID "IHE+RFC-3881". Each also carries, as structured data, the
/// event's place in the chain (sequence, hash, key id), so the collector's copy anchors the chain outside the portal.
/// Framed for TLS transport by octet counting (RFC 5425 section 4.3).
/// </summary>
public sealed class SyslogMessage(string hostname, string appName, string procId)
{
    /// <summary>RFC 5612's documentation enterprise number: an SD-ID of our own needs a "@number" (RFC 5424 section 6.3.2).</summary>
    public const string EnterpriseNumber = "32473";

    private const int Facility = 10;

    public static readonly string AuditSdId = $"imageportal@{EnterpriseNumber}";

    public static readonly string CheckpointSdId = $"checkpoint@{EnterpriseNumber}";

    private readonly string _hostname = HeaderField(hostname, 255);
    private readonly string _appName = HeaderField(appName, 48);
    private readonly string _procId = HeaderField(procId, 128);

    public static SyslogMessage ForThisProcess(string? hostname) =>
        new(string.IsNullOrWhiteSpace(hostname) ? Environment.MachineName : hostname, "ImagePortal", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    public byte[] Frame(AuditEvent auditEvent, string auditSourceId, string? enterpriseSiteId)
    {
        // Severity 5 (notice) for what went as intended, 4 (warning) for failures and alerts (RFC 5424 table 2).
        var severity = auditEvent.Outcome == AuditOutcome.Success && auditEvent.Type != AuditEventType.SecurityAlert ? 5 : 4;
        var data = Element(AuditSdId,
            ("seq", auditEvent.Sequence.ToString(CultureInfo.InvariantCulture)), ("id", auditEvent.Id.ToString("D")),
            ("hash", auditEvent.Hash), ("prev", auditEvent.PreviousHash), ("key", auditEvent.KeyId ?? "-"));
        return Framed(severity, auditEvent.At, "IHE+RFC-3881", data, DicomAuditMessage.ToXml(auditEvent, auditSourceId, enterpriseSiteId));
    }

    public byte[] Frame(AuditCheckpoint checkpoint)
    {
        var data = Element(CheckpointSdId,
            ("seq", checkpoint.Sequence.ToString(CultureInfo.InvariantCulture)), ("hash", checkpoint.Hash), ("key", checkpoint.KeyId),
            ("seal", checkpoint.Seal), ("at", checkpoint.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
        return Framed(5, checkpoint.CreatedAt, "CHECKPOINT", data,
            $"Audit trail checkpoint: event {checkpoint.Sequence} has hash {checkpoint.Hash}");
    }

    private byte[] Framed(int severity, DateTimeOffset at, string messageId, string structuredData, string message)
    {
        var header = string.Create(CultureInfo.InvariantCulture,
            $"<{(Facility * 8) + severity}>1 {at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'} {_hostname} {_appName} {_procId} {messageId} {structuredData} ");
        var body = Encoding.UTF8.GetByteCount(header) + 3 + Encoding.UTF8.GetByteCount(message);
        var prefix = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{body} "));
        var frame = new byte[prefix.Length + body];
        prefix.CopyTo(frame, 0);
        var written = prefix.Length + Encoding.UTF8.GetBytes(header, frame.AsSpan(prefix.Length));
        "\uFEFF"u8.CopyTo(frame.AsSpan(written));
        Encoding.UTF8.GetBytes(message, frame.AsSpan(written + 3));
        return frame;
    }

    /// <summary>An SD-ELEMENT; PARAM-VALUE escapes '"', '\' and ']' (RFC 5424 section 6.3.3).</summary>
    private static string Element(string id, params (string Name, string Value)[] parameters)
    {
        var builder = new StringBuilder("[").Append(id);
        foreach (var (name, value) in parameters)
        {
            builder.Append(' ').Append(name).Append("=\"");
            foreach (var c in value)
            {
                if (c is '"' or '\\' or ']')
                {
                    builder.Append('\\');
                }

                builder.Append(c);
            }

            builder.Append('"');
        }

        return builder.Append(']').ToString();
    }

    /// <summary>Header fields are printable US-ASCII without spaces (RFC 5424 section 6); "-" stands for none.</summary>
    private static string HeaderField(string value, int maxLength)
    {
        var printable = new string(value.Where(c => c is >= '!' and <= '~').Take(maxLength).ToArray());
        return printable.Length == 0 ? "-" : printable;
    }
}
