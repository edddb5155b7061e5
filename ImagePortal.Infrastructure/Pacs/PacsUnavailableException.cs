
namespace ImagePortal.Infrastructure.Pacs;

/// <summary>A PACS could not be asked: the message is for the user ("PACS at host:port refused the association: ...").</summary>
public sealed class PacsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
