using System.Net;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// The server's association policy: who may associate (called AE, calling-AE allow-list with per-AE permissions,
/// the caller check, the association limit), which presentation contexts and roles they get, and which requests
/// they may send on them. One per server: its association slots are shared by all its connections.
/// </summary>
internal sealed partial class AssociationPolicy(DicomServerOptions options, DimseServices services, Action<AssociationRefusal> report, ILogger logger)
{
    private int _active;

    /// <summary>Association slots taken: associations being negotiated (A-ASSOCIATE-RQ read, answer not yet sent) or established.</summary>
    public int ActiveAssociations => Volatile.Read(ref _active);

    /// <summary>
    /// Answers an A-ASSOCIATE-RQ. An association that would be accepted takes a slot (<paramref name="holdsSlot"/>),
    /// given back by <see cref="ReleaseSlot"/> when it ends; a refusal is reported and takes none.
    /// </summary>
    public AssociationDecision Decide(AssociateRequest request, IPAddress address, TransportFacts transport, out DicomPermissions permissions, out bool holdsSlot)
    {
        permissions = DicomPermissions.None;
        holdsSlot = false;
        AssociationDecision Refuse(AssociationRefusalReason why, RejectResult result, RejectSource source, RejectReason reason, string? detail = null)
        {
            report(new AssociationRefusal(why, address, request.CallingAeTitle, request.CalledAeTitle, detail));
            return AssociationDecision.Rejected(result, source, (byte)reason);
        }

        if (options.CheckCalledAeTitle && !string.Equals(request.CalledAeTitle, options.AeTitle, StringComparison.Ordinal))
        {
            return Refuse(AssociationRefusalReason.CalledAeTitleNotRecognized, RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeTitleNotRecognized);
        }

        if (options.AllowedCallingAeTitles is { } allowed)
        {
            if (!allowed.TryGetValue(request.CallingAeTitle, out permissions))
            {
                return Refuse(AssociationRefusalReason.CallingAeTitleNotRecognized, RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeTitleNotRecognized);
            }
        }
        else
        {
            permissions = options.DefaultPermissions;
        }

        if (VerifyCaller(request.CallingAeTitle, address, transport) is { } refused)
        {
            // PS3.8 9.3.4 has no reason for "right AE, wrong host or transport": reason 3 tells the peer no more than it knows.
            permissions = DicomPermissions.None;
            return Refuse(refused.Reason, RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeTitleNotRecognized, refused.Detail);
        }

        // The slot is taken only for an association we would accept; it is given back when it ends.
        if (Interlocked.Increment(ref _active) > options.MaxAssociations)
        {
            Interlocked.Decrement(ref _active);
            LogLimit(logger, request.CallingAeTitle, options.MaxAssociations);
            return Refuse(AssociationRefusalReason.TooManyAssociations, RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.PresentationLocalLimitExceeded);
        }

        holdsSlot = true;
        var granted = permissions;
        var answers = DicomAssociation.AnswerProposals(request, abstractSyntax => TransferSyntaxesFor(abstractSyntax, granted));
        var accepted = request.PresentationContexts
            .Where(p => answers.Any(a => a.Id == p.Id && a.Result == PresentationContextResult.Acceptance))
            .Select(p => p.AbstractSyntax)
            .ToHashSet(StringComparer.Ordinal);

        // PS3.7 D.3.3.4: answer each role selection for an accepted SOP class. The requestor may act as
        // SCP of storage (C-GET sub-operations come back to it) only when it may use C-GET.
        var roles = request.UserInformation.RoleSelections
            .Where(r => accepted.Contains(r.SopClassUid))
            .Select(r => new RoleSelection(r.SopClassUid, r.ScuRole, r.ScpRole && granted.HasFlag(DicomPermissions.Get) && services.Get is not null))
            .ToList();
        return AssociationDecision.Accepted(answers, roles);
    }

    /// <summary>Gives back the slot <see cref="Decide"/> took, once.</summary>
    public void ReleaseSlot(ref bool holdsSlot)
    {
        if (holdsSlot)
        {
            holdsSlot = false;
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>A request is served only on a context of its own service that this caller may use.</summary>
    public bool IsAllowedOn(DimseCommandField field, string abstractSyntax, DicomPermissions permissions) => field switch
    {
        DimseCommandField.CEchoRequest => abstractSyntax == DicomNetworkUids.Verification && permissions.HasFlag(DicomPermissions.Echo),
        DimseCommandField.CStoreRequest => IsStorage(abstractSyntax) && permissions.HasFlag(DicomPermissions.Store),
        DimseCommandField.CFindRequest => abstractSyntax is DicomNetworkUids.PatientRootFind or DicomNetworkUids.StudyRootFind && permissions.HasFlag(DicomPermissions.Find),
        DimseCommandField.CMoveRequest => abstractSyntax is DicomNetworkUids.PatientRootMove or DicomNetworkUids.StudyRootMove && permissions.HasFlag(DicomPermissions.Move),
        DimseCommandField.CGetRequest => abstractSyntax is DicomNetworkUids.PatientRootGet or DicomNetworkUids.StudyRootGet && permissions.HasFlag(DicomPermissions.Get),
        _ => true,
    };

    private CallerRefusal? VerifyCaller(string callingAeTitle, IPAddress address, TransportFacts transport)
    {
        if (options.VerifyCaller is not { } verify)
        {
            return null;
        }

        try
        {
            return verify(new AssociationCaller(callingAeTitle, address, transport.OverTls, transport.ClientCertificate));
        }
        catch (Exception error)
        {
            LogVerifyCallerFailed(logger, error);
            return new CallerRefusal(AssociationRefusalReason.CallingAeTitleNotRecognized, "the caller could not be checked");
        }
    }

    private IReadOnlyList<string>? TransferSyntaxesFor(string abstractSyntax, DicomPermissions permissions)
    {
        bool May(DicomPermissions needed, object? service) => permissions.HasFlag(needed) && service is not null;

        return abstractSyntax switch
        {
            DicomNetworkUids.Verification when permissions.HasFlag(DicomPermissions.Echo) => options.TransferSyntaxes,
            DicomNetworkUids.PatientRootFind or DicomNetworkUids.StudyRootFind when May(DicomPermissions.Find, services.Find) => options.TransferSyntaxes,
            DicomNetworkUids.PatientRootMove or DicomNetworkUids.StudyRootMove when May(DicomPermissions.Move, services.Move) => options.TransferSyntaxes,
            DicomNetworkUids.PatientRootGet or DicomNetworkUids.StudyRootGet when May(DicomPermissions.Get, services.Get) => options.TransferSyntaxes,
            // A storage SCP writes the data set as it comes, so any transfer syntax will do unless the options say
            // otherwise; C-GET sub-operations use these contexts the other way round.
            _ when IsStorage(abstractSyntax) && (May(DicomPermissions.Store, services.Store) || May(DicomPermissions.Get, services.Get)) => options.StorageTransferSyntaxes ?? ["*"],
            _ => null,
        };
    }

    private bool IsStorage(string abstractSyntax) =>
        abstractSyntax.StartsWith("1.2.840.10008.5.1.4.1.1.", StringComparison.Ordinal) || options.ExtraStorageSopClasses.Contains(abstractSyntax);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Association request from {Calling} rejected: {Max} associations already running")]
    private static partial void LogLimit(ILogger logger, string calling, int max);

    [LoggerMessage(Level = LogLevel.Error, Message = "The caller check failed; the association is refused")]
    private static partial void LogVerifyCallerFailed(ILogger logger, Exception error);
}

/// <summary>How the connection arrived, for <see cref="DicomServerOptions.VerifyCaller"/>.</summary>
internal readonly record struct TransportFacts(bool OverTls, X509Certificate2? ClientCertificate);
