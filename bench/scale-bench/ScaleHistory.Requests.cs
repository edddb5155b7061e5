using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;

namespace ImagePortal.Bench.Scale;

// The requests of the history: each filed, decided and retrieved through the domain's own transitions.
public sealed partial class ScaleHistory
{
    private sealed record Made(ImageRequest Request, string RequesterId, string? ApproverId, JobWrite? Job, DateTimeOffset Filed);

    /// <summary>A job as the worker leaves it: the state, times and counters <c>RetrievalQueue</c> writes (no public setters).</summary>
    private sealed record JobWrite(RetrievalJob Job, RetrievalJobState State, DateTimeOffset? Started, DateTimeOffset? Finished, int Imported, int Failed, string? Error)
    {
        public void Apply(ImagePortalDbContext db)
        {
            var entry = db.Entry(Job);
            entry.Property(j => j.State).CurrentValue = State;
            entry.Property(j => j.Attempts).CurrentValue = Started is null ? 0 : 1;
            entry.Property(j => j.StartedAt).CurrentValue = Started;
            entry.Property(j => j.FinishedAt).CurrentValue = Finished;
            entry.Property(j => j.ExpectedInstances).CurrentValue = Job.Studies.Sum(s => s.ExpectedInstances);
            entry.Property(j => j.DoneInstances).CurrentValue = Imported;
            entry.Property(j => j.FailedInstances).CurrentValue = Failed;
            entry.Property(j => j.DoneBytes).CurrentValue = Imported * 520_000L;
            entry.Property(j => j.LastError).CurrentValue = Error;
            var left = Imported;
            foreach (var study in Job.Studies)
            {
                var done = Math.Min(left, study.ExpectedInstances);
                left -= done;
                var progress = db.Entry(study);
                progress.Property(s => s.DoneInstances).CurrentValue = done;
                progress.Property(s => s.FailedInstances).CurrentValue = Finished is null ? 0 : study.ExpectedInstances - done;
                progress.Property(s => s.DoneBytes).CurrentValue = done * 520_000L;
                progress.Property(s => s.StartedAt).CurrentValue = Started;
                progress.Property(s => s.FinishedAt).CurrentValue = Finished;
            }
        }
    }

    private Made Make(Network network, string number, DateTimeOffset filed, DateTimeOffset now)
    {
        var pair = network.Pairs[_random.Next(network.Pairs.Count)];
        var clerk = pair.Clerks[_random.Next(pair.Clerks.Count)];
        var priority = _random.Next(10) switch { 0 => RequestPriority.Stat, < 4 => RequestPriority.Urgent, _ => RequestPriority.Routine };
        var due = filed + (priority switch { RequestPriority.Stat => TimeSpan.FromHours(4), RequestPriority.Urgent => TimeSpan.FromHours(24), _ => TimeSpan.FromDays(3) });
        var patient = Patient(pair.Requesting.PatientIdIssuer);
        var modalities = _random.Next(3) == 0 ? [] : new[] { Modalities[_random.Next(Modalities.Length)] };
        var scope = new RequestScope(modalities, null, null, null, null);
        const string reason = "Comparison with prior imaging before follow-up; clinical question in the referral.";
        var age = now - filed;

        if (pair.Direct)
        {
            var request = ImageRequest.RetrieveUnderAgreement(number, pair.Requesting.Id, pair.Source.Id, patient, scope, reason, priority, due, clerk,
                Studies(patient), filed);
            return new Made(request, clerk, null, Retrieve(request, filed, now, age), filed);
        }

        var submitted = ImageRequest.Submit(number, pair.Requesting.Id, pair.Source.Id, patient, scope, reason, priority, due, clerk, filed);
        var approver = pair.Approvers[_random.Next(pair.Approvers.Count)];
        var t = filed;
        DateTimeOffset Step(double minMinutes, double maxMinutes) => t = t.AddMinutes(minMinutes + (_random.NextDouble() * (maxMinutes - minMinutes)));

        // The newest requests are still open in every state a live network shows.
        if (age < TimeSpan.FromDays(4))
        {
            switch (_random.Next(5))
            {
                case 0:
                    break;
                case 1:
                    submitted.Claim(approver, Min(Step(5, 120), now));
                    break;
                case 2:
                    submitted.Claim(approver, Min(Step(5, 120), now));
                    submitted.AskForInformation(approver, "Which clinical question should the prior answer?", Min(Step(1, 30), now));
                    break;
                default:
                    submitted.Claim(approver, Min(Step(5, 60), now));
                    submitted.Approve(approver, Studies(patient), Min(Step(1, 20), now));
                    return new Made(submitted, clerk, approver, Queue(submitted, t, running: _random.Next(2) == 0), filed);
            }

            return new Made(submitted, clerk, approver, null, filed);
        }

        var roll = _random.Next(100);
        if (roll < 5)
        {
            submitted.Cancel(clerk, Step(10, 600));
            return new Made(submitted, clerk, null, null, filed);
        }

        if (roll < 10)
        {
            submitted.Expire(due.AddMinutes(5 + _random.Next(55)));
            return new Made(submitted, clerk, null, null, filed);
        }

        submitted.Claim(approver, Step(5, 240));
        if (roll < 18)
        {
            submitted.AskForInformation(approver, "Which clinical question should the prior answer?", Step(1, 30));
            submitted.Resubmit(clerk, "Staging CT before surgery; the prior is for comparison.", Step(10, 600));
            submitted.Claim(approver, Step(5, 120));
        }

        if (roll < 32)
        {
            var why = (DenialReason)_random.Next(Enum.GetValues<DenialReason>().Length);
            submitted.Deny(approver, why, why == DenialReason.Other ? "The patient withdrew consent for sharing." : null, Step(1, 30));
            return new Made(submitted, clerk, approver, null, filed);
        }

        if (_random.Next(4) == 0)
        {
            submitted.AddComment(approver, "Approving the CT only; the MR is at another site.", Step(1, 10));
        }

        submitted.Approve(approver, Studies(patient), Step(1, 30));
        return new Made(submitted, clerk, approver, Retrieve(submitted, t, now, age), filed);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private JobWrite Queue(ImageRequest request, DateTimeOffset at, bool running)
    {
        var job = RetrievalJob.For(request, at);
        if (!running)
        {
            return new JobWrite(job, RetrievalJobState.Queued, null, null, 0, 0, null);
        }

        request.StartRetrieval(at.AddSeconds(5));
        return new JobWrite(job, RetrievalJobState.Running, at.AddSeconds(5), null, 0, 0, null);
    }

    /// <summary>The worker's run of an approved request: started within minutes, then completed, partly completed or failed.</summary>
    private JobWrite Retrieve(ImageRequest request, DateTimeOffset approved, DateTimeOffset now, TimeSpan age)
    {
        var job = RetrievalJob.For(request, approved);
        var started = approved.AddSeconds(5 + _random.Next(300));
        var finished = started.AddSeconds(20 + _random.Next(1200));
        if (finished >= now)
        {
            return new JobWrite(job, RetrievalJobState.Queued, null, null, 0, 0, null);
        }

        request.StartRetrieval(started);
        var expected = request.Studies.Sum(s => s.ExpectedInstances ?? 0);
        var roll = _random.Next(100);
        if (roll < 4)
        {
            request.FailRetrieval("The source PACS refused the association (C-GET not supported).", finished);
            return new JobWrite(job, RetrievalJobState.Failed, started, finished, 0, expected, "The source PACS refused the association.");
        }

        if (roll < 12)
        {
            var failed = 1 + _random.Next(Math.Max(1, expected / 4));
            var imported = Math.Max(1, expected - failed);
            request.CompleteRetrieval(imported, expected - imported, finished);
            return new JobWrite(job, RetrievalJobState.PartiallySucceeded, started, finished, imported, expected - imported, $"{expected - imported} instances failed");
        }

        request.CompleteRetrieval(expected, 0, finished);
        return new JobWrite(job, RetrievalJobState.Succeeded, started, finished, expected, 0, null);
    }

    private PatientDetails Patient(string issuer)
    {
        var mrn = $"{issuer.Split('-')[0]}{_random.Next(1, 400_000):000000}";
        return new PatientDetails(FamilyNames[_random.Next(FamilyNames.Length)], GivenNames[_random.Next(GivenNames.Length)],
            new DateOnly(1930 + _random.Next(90), 1 + _random.Next(12), 1 + _random.Next(28)), (PatientSex)(1 + _random.Next(2)),
            _random.Next(3) == 0 ? $"S{_random.Next(1, 9_999_999)}" : null, mrn);
    }

    private List<RequestedStudy> Studies(PatientDetails patient)
    {
        var studies = new List<RequestedStudy>();
        var n = _random.Next(3) == 0 ? 2 : 1;
        for (var i = 0; i < n; i++)
        {
            var uid = $"1.2.826.0.1.3680043.10.1016.{1 + _random.Next(int.MaxValue - 1)}.{1 + _random.Next(int.MaxValue - 1)}";
            studies.Add(new RequestedStudy(uid, new DateOnly(2015 + _random.Next(10), 1 + _random.Next(12), 1 + _random.Next(28)),
                Modalities[_random.Next(Modalities.Length)], "Prior imaging", null, 4 + _random.Next(36),
                new SourcePatient(patient.SourceMrn ?? patient.LocalMrn, null, patient.DicomName, patient.BirthDate)));
        }

        return studies;
    }
}
