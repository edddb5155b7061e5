namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// The requester's import destination as one transfer stores into it: it takes the spooled, reconciled instances from
/// the run's queue until the queue is completed, and has the run record each one's outcome (the ledger on success, the
/// instance's failure with its reason). A DIMSE node stores by C-STORE over associations; a DICOMweb node by STOW-RS.
/// </summary>
internal interface IImportDestination : IAsyncDisposable
{
    /// <summary>
    /// Stores every queued instance until the queue is completed. A failure of the destination as a whole ends the
    /// transfer: <see cref="RetrievalTransientException"/> (the next attempt sends what the ledger lacks) or
    /// <see cref="RetrievalPermanentException"/> (an administrator must act).
    /// </summary>
    Task StoreAllAsync(CancellationToken cancellationToken);

    /// <summary>The transfer is over and went well: ends the conversation with the destination politely.</summary>
    Task CloseAsync(CancellationToken cancellationToken);
}
