using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Audit;

/// <summary>The kinds of event, after DICOM PS3.15 A.5 (IHE ATNA); the code is the DCM Event ID.</summary>
public enum AuditEventType
{
    /// <summary>DCM 110114 User Authentication: sign-in, sign-out, failed sign-in.</summary>
    UserAuthentication,

    /// <summary>DCM 110112 Query: a C-FIND sent to a PACS, or an auditor's query of the audit trail or a report.</summary>
    Query,

    /// <summary>DCM 110102 Begin Transferring DICOM Instances.</summary>
    BeginTransferring,

    /// <summary>DCM 110104 DICOM Instances Transferred.</summary>
    InstancesTransferred,

    /// <summary>DCM 110110 Patient Record: a request (which names a patient) was created, read or changed.</summary>
    PatientRecord,

    /// <summary>DCM 110113 Security Alert: a refused access, a forged value, a quarantined instance.</summary>
    SecurityAlert,

    /// <summary>DCM 110100 Application Activity with a configuration change (facilities, nodes, users, roles).</summary>
    ConfigurationChange,

    /// <summary>DCM 110106 Export: a report or audit export left the portal.</summary>
    Export,

    /// <summary>DCM 110103 DICOM Instances Accessed: a user viewed a study's images through the portal's DICOMweb service.</summary>
    InstancesAccessed,
}

/// <summary>PS3.15 A.5.1 EventActionCode.</summary>
public enum AuditAction
{
    Create,
    Read,
    Update,
    Delete,
    Execute,
}

/// <summary>PS3.15 A.5.1 EventOutcomeIndicator: 0 success, 4 minor failure, 8 serious failure, 12 major failure.</summary>
public enum AuditOutcome
{
    Success = 0,
    MinorFailure = 4,
    SeriousFailure = 8,
    MajorFailure = 12,
}

/// <summary>
/// One line of the append-only audit trail. Each event carries the hash of the one before it and its own hash over
/// both, so editing or deleting a row breaks the chain where it happened (RELIABILITY_CHECKLIST 33). The hash is an
/// HMAC under the chain key (<see cref="AuditChainKey"/>), which the database does not hold: whoever edits rows cannot
/// recompute the chain to hide it. Events written before the chain was keyed (no <see cref="KeyId"/>) carry a plain
/// SHA-256; they are accepted only as the chain's beginning.
/// </summary>
public sealed class AuditEvent
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private AuditEvent()
    {
        Description = string.Empty;
        PreviousHash = string.Empty;
        Hash = string.Empty;
    }

    public AuditEvent(
        DateTimeOffset at, AuditEventType type, AuditAction action, AuditOutcome outcome, string? userId, string? userName,
        Guid? facilityId, string? address, string? patientId, string? objectReference, string description, string previousHash, AuditChainKey key,
        string? studyInstanceUid = null)
        : this()
    {
        Id = Guid.CreateVersion7();
        At = StoredInstant.Of(at);
        Type = type;
        Action = action;
        Outcome = outcome;
        UserId = userId;
        UserName = Clean(userName, 256);
        FacilityId = facilityId;
        Address = Clean(address, 64);
        PatientId = Clean(patientId, 64);
        ObjectReference = Clean(objectReference, 128);
        Description = Clean(description, 1000) ?? string.Empty;
        StudyInstanceUid = Clean(studyInstanceUid, 64);
        PreviousHash = previousHash;
        KeyId = key.Id;
        Hash = key.Seal(Canonical());
    }

    /// <summary>Position in the trail, assigned by the database on insert.</summary>
    public long Sequence { get; private set; }

    public Guid Id { get; private set; }

    public DateTimeOffset At { get; private set; }

    public AuditEventType Type { get; private set; }

    public AuditAction Action { get; private set; }

    public AuditOutcome Outcome { get; private set; }

    public string? UserId { get; private set; }

    public string? UserName { get; private set; }

    public Guid? FacilityId { get; private set; }

    public string? Address { get; private set; }

    /// <summary>The patient the event concerns (an MRN): PHI, shown to auditors only.</summary>
    public string? PatientId { get; private set; }

    /// <summary>What the event was about: a request number, a node, a user.</summary>
    public string? ObjectReference { get; private set; }

    public string Description { get; private set; }

    /// <summary>
    /// The study the event concerns, where it concerns one (a view of its images): the Study participant object of the
    /// DICOM audit message (PS3.15 A.5.3.2), beside the patient and the request.
    /// </summary>
    public string? StudyInstanceUid { get; private set; }

    public string PreviousHash { get; private set; }

    public string Hash { get; private set; }

    /// <summary>The <see cref="AuditChainKey.Id"/> of the key that sealed the event; null for an event from before the chain was keyed.</summary>
    public string? KeyId { get; private set; }

    /// <summary>
    /// True when the stored hash still matches the stored fields under the key that sealed the event. An event sealed
    /// under a key the caller does not hold cannot be checked and is not intact.
    /// </summary>
    public bool IsIntactUnder(AuditChainKey? key)
    {
        if (KeyId is null)
        {
            return string.Equals(Hash, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical()))), StringComparison.Ordinal);
        }

        return key is not null && string.Equals(key.Id, KeyId, StringComparison.Ordinal) && key.Verify(Canonical(), Hash);
    }

    private string Canonical()
    {
        // Unit separators between fields: no value can shift into its neighbour and keep the hash. The key id joins the
        // fields only for keyed events, so events from before the key keep the hash they were written with.
        var canonical = string.Join('\u001f',
            PreviousHash, Id.ToString("N"), At.UtcTicks.ToString(CultureInfo.InvariantCulture), Type, Action, (int)Outcome,
            UserId, UserName, FacilityId?.ToString("N"), Address, PatientId, ObjectReference, Description);
        canonical = KeyId is null ? canonical : string.Concat(canonical, "\u001f", KeyId);

        // The study joins only events that name one, so every event from before the field keeps its hash.
        return StudyInstanceUid is null ? canonical : string.Concat(canonical, "\u001fstudy:", StudyInstanceUid);
    }

    /// <summary>
    /// Logged text is data, not layout: CR, LF and other control characters would forge extra lines in a log or a
    /// syslog export, so they become visible escapes (RELIABILITY_CHECKLIST 33).
    /// </summary>
    public static string? Clean(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Length <= maxLength ? builder.ToString() : builder.ToString(0, maxLength);
    }
}
