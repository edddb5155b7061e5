using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// One request as a service of the server handles it: the association it came on, the message, who sent it and the
/// association's logger; with the steps every service takes the same way (read the identifier, answer, watch for a
/// C-CANCEL).
/// </summary>
internal sealed partial class ServedRequest(DicomAssociation association, DimseMessage message, DicomRequestContext caller, ILogger logger)
{
    public DicomAssociation Association { get; } = association;

    public DimseMessage Message { get; } = message;

    public DicomRequestContext Caller { get; } = caller;

    public ILogger Logger { get; } = logger;

    /// <summary>
    /// Reads the identifier (bounded by <see cref="DimseDataSet.MaxLength"/>) and makes the provider's view of the
    /// request. Read before <see cref="Watch"/>: the watcher reads the association from where the identifier ends.
    /// </summary>
    public async Task<QueryRequest> ReadQueryAsync(CancellationToken cancellationToken)
    {
        var identifier = Message.DataSet is null
            ? []
            : await DimseDataSet.ReadBoundedAsync(Message.DataSet, "An identifier", cancellationToken).ConfigureAwait(false);
        return new QueryRequest(Caller, Message.PresentationContext.AbstractSyntax, Message.PresentationContext.TransferSyntax, identifier);
    }

    /// <summary>Keeps reading the association while a multi-response operation is answered (see <see cref="RequestWatcher"/>).</summary>
    public RequestWatcher Watch(CancellationToken stopping) => new(Association, Message.Command.MessageId, stopping);

    public DimseCommand NewResponse(DimseStatus status, string? comment = null) => Message.NewResponse(status, comment);

    public Task RespondAsync(DimseCommand response, Stream? dataSet, CancellationToken cancellationToken) =>
        Association.SendMessageAsync(Message.PresentationContext.Id, response, dataSet, cancellationToken);

    public Task RespondAsync(DimseStatus status, CancellationToken cancellationToken, string? comment = null) =>
        RespondAsync(NewResponse(status, comment), null, cancellationToken);

    public void ProviderFailed(string operation, string error) => LogProviderFailed(Logger, operation, error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} provider failed: {Error}")]
    private static partial void LogProviderFailed(ILogger logger, string operation, string error);
}
