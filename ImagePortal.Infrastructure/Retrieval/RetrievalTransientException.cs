namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>A failure worth another attempt later (a PACS down, a transfer cut short); the message is for the user.</summary>
public sealed class RetrievalTransientException(string message, Exception? inner = null) : Exception(message, inner);
