using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Bench.Scale;

// The audit trail of the history: what the portal audits of each request's life, and users signing in.
public sealed partial class ScaleHistory
{
    /// <summary>What the portal audits of one request's life, in the words of FileRequest, RequestChanges, GetRequest and JobRun.</summary>
    private IEnumerable<AuditEntryAt> AuditOf(Made m, Network network, double perRequest)
    {
        var r = m.Request;
        var mrn = r.Patient.LocalMrn;
        var source = network.Codes[r.SourceFacilityId];
        var requester = network.Codes[r.RequestingFacilityId];
        var entries = new List<AuditEntryAt>();
        var previous = RequestStatus.Submitted;
        foreach (var e in r.Events)
        {
            var user = e.UserId is null ? null : network.Users[e.UserId];
            switch (e.Kind)
            {
                case RequestEventKind.Submitted:
                    entries.Add(new(e.At, AuditEventType.PatientRecord, AuditAction.Create, AuditOutcome.Success, user, $"Request {r.Number} filed to {source}", mrn, r.Number));
                    break;
                case RequestEventKind.ApprovedByAgreement:
                    entries.Add(new(e.At, AuditEventType.PatientRecord, AuditAction.Create, AuditOutcome.Success, network.Users[m.RequesterId], $"Request {r.Number} retrieved under agreement from {source}", mrn, r.Number));
                    previous = RequestStatus.Approved;
                    break;
                case RequestEventKind.Comment:
                    break;
                case RequestEventKind.RetrievalStarted:
                    foreach (var s in r.Studies)
                    {
                        entries.Add(new(e.At, AuditEventType.BeginTransferring, AuditAction.Execute, AuditOutcome.Success, null,
                            $"Request {r.Number}: begin transferring study {s.StudyInstanceUid} from {source} to {requester}", mrn, r.Number, "retrieval worker bench"));
                    }

                    previous = RequestStatus.Retrieving;
                    break;
                case RequestEventKind.Completed or RequestEventKind.PartiallyCompleted or RequestEventKind.Failed:
                    foreach (var s in r.Studies)
                    {
                        entries.Add(new(e.At, AuditEventType.InstancesTransferred, AuditAction.Create,
                            e.Kind == RequestEventKind.Completed ? AuditOutcome.Success : AuditOutcome.MinorFailure, null,
                            $"Request {r.Number}: study {s.StudyInstanceUid} from {source} into {requester}_PACS: {e.Text}", mrn, r.Number, "retrieval worker bench"));
                    }

                    break;
                default:
                    var after = StatusAfter(e.Kind, previous);
                    entries.Add(new(e.At, AuditEventType.PatientRecord, AuditAction.Update, AuditOutcome.Success, user,
                        $"Request {r.Number}: {e.Kind} ({ImageRequest.Describe(previous)} to {ImageRequest.Describe(after)})", mrn, r.Number));
                    previous = after;
                    break;
            }
        }

        // Views of the request by the people involved, until the trail's size per request is reached on average.
        var views = perRequest - entries.Count;
        var n = (int)views + (_random.NextDouble() < views - (int)views ? 1 : 0);
        var end = r.Events[^1].At;
        for (var i = 0; i < n; i++)
        {
            var at = m.Filed + ((end - m.Filed + TimeSpan.FromHours(2)) * _random.NextDouble());
            var viewer = network.Users[i % 2 == 0 || m.ApproverId is null ? m.RequesterId : m.ApproverId];
            entries.Add(new(at, AuditEventType.PatientRecord, AuditAction.Read, AuditOutcome.Success, viewer, $"Request {r.Number} viewed", mrn, r.Number));
        }

        return entries;
    }

    private static RequestStatus StatusAfter(RequestEventKind kind, RequestStatus before) => kind switch
    {
        RequestEventKind.Claimed => RequestStatus.Claimed,
        RequestEventKind.Released or RequestEventKind.Resubmitted => RequestStatus.Submitted,
        RequestEventKind.Approved => RequestStatus.Approved,
        RequestEventKind.Denied => RequestStatus.Denied,
        RequestEventKind.InformationRequested => RequestStatus.NeedsInfo,
        RequestEventKind.Cancelled => RequestStatus.Cancelled,
        RequestEventKind.Expired => RequestStatus.Expired,
        _ => before,
    };

    private IEnumerable<AuditEntryAt> SignIns(Network network, int count, DateTimeOffset from, DateTimeOffset to)
    {
        var users = network.Users.Values.ToList();
        for (var i = 0; i < count; i++)
        {
            var user = users[_random.Next(users.Count)];
            yield return new(from + ((to - from) * ((i + 0.5) / count)), AuditEventType.UserAuthentication, AuditAction.Execute, AuditOutcome.Success, user,
                $"{user.UserName} signed in", null, null);
        }
    }

    private sealed record AuditEntryAt(
        DateTimeOffset At, AuditEventType Type, AuditAction Action, AuditOutcome Outcome, User? User, string Description, string? PatientId,
        string? ObjectReference, string? WorkerName = null);
}
