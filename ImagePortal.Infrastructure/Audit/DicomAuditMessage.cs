using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using ImagePortal.Domain.Audit;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// An audit event as the DICOM audit message of PS3.15 A.5.1 (the XML an IHE ATNA Audit Record Repository reads):
/// event identification with the DCM event ID, the user and the portal as active participants, the audit source, and
/// the patient, the study (where the event names one) and the object concerned as participant objects. Written without indentation, so one message is one line.
/// </summary>
public static class DicomAuditMessage
{
    /// <summary>PS3.15 A.5.1 needs coded values; private codes carry a "99" coding scheme designator (PS3.16 8.2).</summary>
    private const string PrivateScheme = "99IMAGEPORTAL";

    public static string ToXml(AuditEvent auditEvent, string auditSourceId, string? enterpriseSiteId)
    {
        var text = new StringBuilder(1024);
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = false }))
        {
            xml.WriteStartElement("AuditMessage");

            xml.WriteStartElement("EventIdentification");
            xml.WriteAttributeString("EventActionCode", ActionCode(auditEvent.Action));
            xml.WriteAttributeString("EventDateTime", auditEvent.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            xml.WriteAttributeString("EventOutcomeIndicator", ((int)auditEvent.Outcome).ToString(CultureInfo.InvariantCulture));
            var (code, meaning) = EventId(auditEvent.Type);
            Coded(xml, "EventID", code, "DCM", meaning);
            xml.WriteElementString("EventOutcomeDescription", Safe(auditEvent.Description));
            xml.WriteEndElement();

            // The person (or, for the workers' own actions, the portal) that did it.
            xml.WriteStartElement("ActiveParticipant");
            xml.WriteAttributeString("UserID", Safe(auditEvent.UserName ?? auditSourceId));
            if (auditEvent.UserId is { } userId)
            {
                xml.WriteAttributeString("AlternativeUserID", Safe(userId));
            }

            xml.WriteAttributeString("UserIsRequestor", "true");
            if (auditEvent.Address is { } address)
            {
                xml.WriteAttributeString("NetworkAccessPointID", Safe(address));
                xml.WriteAttributeString("NetworkAccessPointTypeCode", IPAddress.TryParse(address, out _) ? "2" : "1");
            }

            xml.WriteEndElement();

            xml.WriteStartElement("ActiveParticipant");
            xml.WriteAttributeString("UserID", Safe(auditSourceId));
            xml.WriteAttributeString("UserIsRequestor", "false");
            Coded(xml, "RoleIDCode", "110150", "DCM", "Application");
            xml.WriteEndElement();

            xml.WriteStartElement("AuditSourceIdentification");
            if (!string.IsNullOrEmpty(enterpriseSiteId))
            {
                xml.WriteAttributeString("AuditEnterpriseSiteID", Safe(enterpriseSiteId));
            }

            xml.WriteAttributeString("AuditSourceID", Safe(auditSourceId));
            Coded(xml, "AuditSourceTypeCode", "4", "DCM", "Application Server Process");
            xml.WriteEndElement();

            if (auditEvent.PatientId is { } patientId)
            {
                ParticipantObject(xml, patientId, "1", "1", ("2", "RFC-3881", "Patient Number"));
            }

            // PS3.15 A.5.3.2 (DICOM Instances Accessed, and the other instance events): the study as a participant object,
            // identified by its Study Instance UID (DCM 110180), role Report.
            if (auditEvent.StudyInstanceUid is { } study)
            {
                ParticipantObject(xml, study, "2", "3", ("110180", "DCM", "Study Instance UID"));
            }

            if (auditEvent.ObjectReference is { } reference)
            {
                ParticipantObject(xml, reference, "2", typeCodeRole: null, ("OBJECT", PrivateScheme, "Request number, node, user or job"));
            }

            xml.WriteEndElement();
        }

        return text.ToString();
    }

    /// <summary>The DCM Event ID (PS3.16 CID 400) of each kind of event.</summary>
    public static (string Code, string Meaning) EventId(AuditEventType type) => type switch
    {
        AuditEventType.UserAuthentication => ("110114", "User Authentication"),
        AuditEventType.Query => ("110112", "Query"),
        AuditEventType.BeginTransferring => ("110102", "Begin Transferring DICOM Instances"),
        AuditEventType.InstancesTransferred => ("110104", "DICOM Instances Transferred"),
        AuditEventType.PatientRecord => ("110110", "Patient Record"),
        AuditEventType.SecurityAlert => ("110113", "Security Alert"),
        AuditEventType.ConfigurationChange => ("110100", "Application Activity"),
        AuditEventType.Export => ("110106", "Export"),
        AuditEventType.InstancesAccessed => ("110103", "DICOM Instances Accessed"),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static string ActionCode(AuditAction action) => action switch
    {
        AuditAction.Create => "C",
        AuditAction.Read => "R",
        AuditAction.Update => "U",
        AuditAction.Delete => "D",
        _ => "E",
    };

    /// <summary>
    /// A ParticipantObjectIdentification (PS3.15 A.5.1): the object's ID, its type code (1 person, 2 system object) and,
    /// where it has one, its role (1 patient, 3 report), with the code that says what kind of ID it is.
    /// </summary>
    private static void ParticipantObject(XmlWriter xml, string id, string typeCode, string? typeCodeRole, (string Code, string Scheme, string Meaning) idType)
    {
        xml.WriteStartElement("ParticipantObjectIdentification");
        xml.WriteAttributeString("ParticipantObjectID", Safe(id));
        xml.WriteAttributeString("ParticipantObjectTypeCode", typeCode);
        if (typeCodeRole is not null)
        {
            xml.WriteAttributeString("ParticipantObjectTypeCodeRole", typeCodeRole);
        }

        Coded(xml, "ParticipantObjectIDTypeCode", idType.Code, idType.Scheme, idType.Meaning);
        xml.WriteEndElement();
    }

    private static void Coded(XmlWriter xml, string element, string code, string scheme, string meaning)
    {
        xml.WriteStartElement(element);
        xml.WriteAttributeString("csd-code", code);
        xml.WriteAttributeString("codeSystemName", scheme);
        xml.WriteAttributeString("originalText", meaning);
        xml.WriteEndElement();
    }

    /// <summary>
    /// Stored fields are already free of control characters (<see cref="AuditEvent.Clean"/>); what XML 1.0 cannot carry
    /// at all (a lone surrogate, U+FFFE) becomes U+FFFD rather than a message the collector rejects.
    /// </summary>
    private static string Safe(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(value, i, 2);
                i++;
            }
            else
            {
                builder.Append(XmlConvert.IsXmlChar(value[i]) ? value[i] : '\uFFFD');
            }
        }

        return builder.ToString();
    }
}
