using ImagePortal.Domain.Requests;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Who a study is imported for: the patient it was approved for, or why nothing of it is imported.</summary>
/// <param name="Patient">Only this patient's instances of the study may be imported; null when the study is not retrieved.</param>
/// <param name="Problem">Why the study is not retrieved, in words for the request page; null when it is.</param>
internal sealed record StudyHolder(SourcePatient? Patient, string? Problem);
