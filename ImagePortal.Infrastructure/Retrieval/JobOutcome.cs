using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>How a run ended, in counts and words.</summary>
internal sealed record JobOutcome(RetrievalJobState State, int Imported, int Failed, int Studies, string LocalMrn, string Detail)
{
    public string Notification(ImageRequest request) => State switch
    {
        RetrievalJobState.Succeeded => $"Imported {Imported} images of {Studies} {(Studies == 1 ? "study" : "studies")} for {request.Number}; local patient ID {LocalMrn}",
        RetrievalJobState.PartiallySucceeded => $"Imported {Imported} of {Imported + Failed} images of {Studies} {(Studies == 1 ? "study" : "studies")} for {request.Number}; {Failed} failed; local patient ID {LocalMrn}",
        RetrievalJobState.Cancelled => $"Retrieval of {request.Number} cancelled; {Imported} images imported; local patient ID {LocalMrn}",
        _ => $"Retrieval of {request.Number} failed: {Detail}",
    };
}
