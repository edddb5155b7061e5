namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>A failure no retry can fix (no import destination, nothing approved is at the source); the message is for the user.</summary>
public sealed class RetrievalPermanentException(string message) : Exception(message);
