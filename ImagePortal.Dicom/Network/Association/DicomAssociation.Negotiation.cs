using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Dicom.Network.Association;

/// <summary>What an acceptor decided about an A-ASSOCIATE-RQ: either a rejection or the answers to accept with.</summary>
public sealed record AssociationDecision(AssociateReject? Reject, IReadOnlyList<PresentationContextAnswer> Answers, IReadOnlyList<RoleSelection> Roles)
{
    public static AssociationDecision Rejected(RejectResult result, RejectSource source, byte reason) =>
        new(new AssociateReject(result, source, reason), [], []);

    public static AssociationDecision Accepted(IReadOnlyList<PresentationContextAnswer> answers, IReadOnlyList<RoleSelection> roles) =>
        new(null, answers, roles);
}

public sealed partial class DicomAssociation
{
    /// <summary>
    /// The asynchronous operations window we support, as both SCU and SCP: one outstanding operation
    /// each way (PS3.7 D.3.3.3). Our requestor never proposes the sub-item, which means the same.
    /// </summary>
    public static readonly AsyncOperationsWindow SingleOperationWindow = new(1, 1);

    /// <summary>
    /// Opens an association as requestor (PS3.8 9.2 Sta1 → Sta4 → Sta5 → Sta6): connects within the
    /// connect timeout, proposes one presentation context per request with odd ids (PS3.8 9.3.2.2), and
    /// waits for A-ASSOCIATE-AC or -RJ within the ARTIM timeout.
    /// </summary>
    public static async Task<DicomAssociation> ConnectAsync(
        string host,
        int port,
        AssociationOptions options,
        IReadOnlyList<PresentationContextRequest> contexts,
        ILogger? logger = null,
        DicomNetworkMetrics? metrics = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (contexts.Count is 0 or > 128)
        {
            throw new ArgumentException($"Between 1 and 128 presentation contexts can be proposed (PS3.8 9.3.2.2), not {contexts.Count}.", nameof(contexts));
        }

        AeTitleSyntax.Validate(options.CallingAeTitle, nameof(options.CallingAeTitle));
        AeTitleSyntax.Validate(options.CalledAeTitle, nameof(options.CalledAeTitle));
        logger ??= NullLogger.Instance;

        var socket = options.LocalAddress is { } local
            ? new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        Stream? stream = null;
        try
        {
            ConfigureSocket(socket);
            if (options.LocalAddress is { } from)
            {
                socket.Bind(new IPEndPoint(from, 0));
            }

            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(options.ConnectTimeout);
                try
                {
                    await socket.ConnectAsync(host, port, connectTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DicomAssociationTimeoutException($"Could not connect to {host}:{port} within {options.ConnectTimeout}.");
                }
            }

            stream = new QuickAckNetworkStream(socket, ownsSocket: false);
            using var artim = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            artim.CancelAfter(options.AssociationTimeout);
            if (options.Tls is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                tls.EnabledSslProtocols = tls.EnabledSslProtocols == default ? AllowedTlsProtocols : tls.EnabledSslProtocols;
                await ssl.AuthenticateAsClientAsync(tls, artim.Token).ConfigureAwait(false);
            }

            var proposals = new List<PresentationContextProposal>(contexts.Count);
            for (var i = 0; i < contexts.Count; i++)
            {
                proposals.Add(new PresentationContextProposal((byte)(2 * i + 1), contexts[i].AbstractSyntax, contexts[i].TransferSyntaxes));
            }

            var request = new AssociateRequest
            {
                CalledAeTitle = options.CalledAeTitle,
                CallingAeTitle = options.CallingAeTitle,
                PresentationContexts = proposals,
                UserInformation = new UserInformation
                {
                    MaxPduLength = options.MaxPduLength,
                    RoleSelections = contexts.Where(c => c.Role is not null).Select(c => c.Role!).DistinctBy(r => r.SopClassUid).ToList(),
                },
            };
            var writer = new PduWriter();
            request.Write(writer);
            await stream.WriteAsync(writer.WrittenMemory, artim.Token).ConfigureAwait(false);
            await stream.FlushAsync(artim.Token).ConfigureAwait(false);

            PduFrame? frame;
            try
            {
                frame = await PduFrame.ReadAsync(stream, options.MaxPduLength, artim.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await TryWriteAbortAsync(stream).ConfigureAwait(false);
                throw new DicomAssociationTimeoutException($"{host}:{port} did not answer the association request within {options.AssociationTimeout}.");
            }

            using (frame)
            {
                switch (frame?.Type)
                {
                    case null:
                        throw new DicomAssociationAbortedException($"{host}:{port} closed the connection instead of answering the association request.");
                    case PduType.AssociateReject:
                        metrics?.AssociationRejected();
                        throw new DicomAssociationRejectedException(AssociateReject.Read(frame.Body.Span));
                    case PduType.Abort:
                        var abort = AbortPdu.Read(frame.Body.Span);
                        throw new DicomAssociationAbortedException($"{host}:{port} aborted the association request (source {abort.Source}, reason {abort.Reason}).", abort);
                    case PduType.AssociateAccept:
                        var accept = AssociateAccept.Read(frame.Body.Span);
                        var negotiated = MatchAnswers(proposals, accept);
                        var peerMax = accept.UserInformation.MaxPduLength;
                        if (peerMax is > 0 and < 64)
                        {
                            throw new DicomProtocolException($"The peer's maximum PDU length {peerMax} cannot carry a command (PS3.8 D.1).");
                        }

                        var association = new DicomAssociation(socket, stream, isRequestor: true, request, accept, options.MaxPduLength, negotiated, logger, metrics)
                        {
                            WriteTimeout = options.ResponseTimeout,
                        };
                        metrics?.AssociationEstablished(requestor: true);
                        LogEstablished(logger, options.CallingAeTitle, options.CalledAeTitle, $"{host}:{port}", string.Join("; ", negotiated), peerMax);
                        return association;
                    default:
                        await TryWriteAbortAsync(stream, AbortReason.UnexpectedPdu).ConfigureAwait(false);
                        throw new DicomProtocolException($"{host}:{port} answered the association request with {frame.Type} (PS3.8 9.2 Sta5).", AbortReason.UnexpectedPdu);
                }
            }
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the acceptor side of association establishment on an accepted connection (PS3.8 9.2
    /// Sta2 → Sta3 → Sta6): waits for A-ASSOCIATE-RQ within ARTIM, asks <paramref name="decide"/>, and
    /// answers with AC or RJ. Returns null when the request was rejected or the peer went away.
    /// </summary>
    public static async Task<DicomAssociation?> AcceptAsync(
        Socket? socket,
        Stream stream,
        uint ourMaxPdu,
        TimeSpan artimTimeout,
        Func<AssociateRequest, AssociationDecision> decide,
        ILogger? logger = null,
        DicomNetworkMetrics? metrics = null,
        CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        using var artim = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        artim.CancelAfter(artimTimeout);
        AssociateRequest request;
        try
        {
            using var frame = await PduFrame.ReadAsync(stream, ourMaxPdu, artim.Token).ConfigureAwait(false);
            RearmQuickAck(socket);
            if (frame is null)
            {
                return null;
            }

            if (frame.Type != PduType.AssociateRequest)
            {
                throw new DicomProtocolException($"{frame.Type} before any association request (PS3.8 9.2 Sta2).", AbortReason.UnexpectedPdu);
            }

            request = AssociateRequest.Read(frame.Body.Span);
        }
        catch (DicomProtocolException error)
        {
            LogRefusedBytes(logger, error.Message);
            await TryWriteAbortAsync(stream, error.Reason).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // PS3.8 9.2 Sta2: ARTIM expired before an A-ASSOCIATE-RQ; close the connection (AA-2).
            LogArtimExpired(logger);
            return null;
        }
        catch (Exception error) when (error is IOException or SocketException)
        {
            return null;
        }

        var decision = (request.ProtocolVersion & 1) == 0
            ? AssociationDecision.Rejected(RejectResult.Permanent, RejectSource.ServiceProviderAcse, (byte)RejectReason.AcseProtocolVersionNotSupported)
            : request.ApplicationContextName != DicomNetworkUids.ApplicationContext
                ? AssociationDecision.Rejected(RejectResult.Permanent, RejectSource.ServiceUser, (byte)RejectReason.ApplicationContextNameNotSupported)
                : decide(request);

        var writer = new PduWriter();
        if (decision.Reject is { } reject)
        {
            reject.Write(writer);
            await TryWriteAsync(stream, writer.WrittenMemory, artim.Token).ConfigureAwait(false);
            metrics?.AssociationRejected();
            LogRejected(logger, request.CallingAeTitle, request.CalledAeTitle, reject.ToString());
            return null;
        }

        var accept = new AssociateAccept
        {
            CalledAeTitle = request.CalledAeTitle,
            CallingAeTitle = request.CallingAeTitle,
            PresentationContexts = decision.Answers,
            UserInformation = new UserInformation
            {
                MaxPduLength = ourMaxPdu,
                RoleSelections = decision.Roles,
                // PS3.7 D.3.3.3: we invoke and perform one operation at a time. A requestor that proposes a
                // larger window is told 1/1 explicitly; without a proposal the default (1/1) holds unsaid.
                AsyncOperationsWindow = request.UserInformation.AsyncOperationsWindow is null ? null : SingleOperationWindow,
            },
        };
        accept.Write(writer);
        if (!await TryWriteAsync(stream, writer.WrittenMemory, artim.Token).ConfigureAwait(false))
        {
            return null;
        }

        var contexts = decision.Answers
            .Select(a => new PresentationContext(a.Id, request.PresentationContexts.First(p => p.Id == a.Id).AbstractSyntax, a.TransferSyntax, a.Result))
            .ToList();
        var association = new DicomAssociation(socket, stream, isRequestor: false, request, accept, ourMaxPdu, contexts, logger, metrics);
        metrics?.AssociationEstablished(requestor: false);
        LogEstablished(logger, request.CallingAeTitle, request.CalledAeTitle, socket?.RemoteEndPoint?.ToString() ?? "?", string.Join("; ", contexts), request.UserInformation.MaxPduLength);
        return association;
    }

    /// <summary>
    /// Answers the proposals of an A-ASSOCIATE-RQ (PS3.8 9.3.3.2): a context is accepted when
    /// <paramref name="transferSyntaxesFor"/> knows its abstract syntax and one of the proposed transfer
    /// syntaxes is acceptable. The acceptor's preference order wins; <c>"*"</c> in it accepts the
    /// requestor's first proposal (a storage SCP that stores bytes as they come can take any).
    /// </summary>
    public static IReadOnlyList<PresentationContextAnswer> AnswerProposals(
        AssociateRequest request,
        Func<string, IReadOnlyList<string>?> transferSyntaxesFor)
    {
        var answers = new List<PresentationContextAnswer>(request.PresentationContexts.Count);
        foreach (var proposal in request.PresentationContexts)
        {
            var fallback = proposal.TransferSyntaxes[0];
            if ((proposal.Id & 1) == 0 || answers.Any(a => a.Id == proposal.Id))
            {
                // PS3.8 9.3.2.2: ids are odd and unique; a context that breaks this is not usable.
                answers.Add(new PresentationContextAnswer(proposal.Id, PresentationContextResult.NoReason, fallback));
                continue;
            }

            var supported = transferSyntaxesFor(proposal.AbstractSyntax);
            if (supported is null)
            {
                answers.Add(new PresentationContextAnswer(proposal.Id, PresentationContextResult.AbstractSyntaxNotSupported, fallback));
                continue;
            }

            var chosen = supported.Contains("*")
                ? proposal.TransferSyntaxes[0]
                : supported.FirstOrDefault(proposal.TransferSyntaxes.Contains);
            answers.Add(chosen is null
                ? new PresentationContextAnswer(proposal.Id, PresentationContextResult.TransferSyntaxesNotSupported, fallback)
                : new PresentationContextAnswer(proposal.Id, PresentationContextResult.Acceptance, chosen));
        }

        return answers;
    }

    private static List<PresentationContext> MatchAnswers(List<PresentationContextProposal> proposals, AssociateAccept accept)
    {
        var result = new List<PresentationContext>(proposals.Count);
        foreach (var proposal in proposals)
        {
            var answer = accept.PresentationContexts.FirstOrDefault(a => a.Id == proposal.Id);
            if (answer is null)
            {
                result.Add(new PresentationContext(proposal.Id, proposal.AbstractSyntax, string.Empty, PresentationContextResult.NoReason));
            }
            else if (answer.Result == PresentationContextResult.Acceptance && !proposal.TransferSyntaxes.Contains(answer.TransferSyntax))
            {
                // PS3.8 9.3.3.2: the acceptor picks one of the proposed syntaxes; any other is unusable.
                result.Add(new PresentationContext(proposal.Id, proposal.AbstractSyntax, answer.TransferSyntax, PresentationContextResult.TransferSyntaxesNotSupported));
            }
            else
            {
                result.Add(new PresentationContext(proposal.Id, proposal.AbstractSyntax, answer.TransferSyntax, answer.Result));
            }
        }

        return result;
    }

    private static async Task<bool> TryWriteAsync(Stream stream, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        try
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static async Task TryWriteAbortAsync(Stream stream, AbortReason reason = AbortReason.NotSpecified)
    {
        var writer = new PduWriter(16);
        new AbortPdu(AbortSource.ServiceProvider, reason).Write(writer);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await TryWriteAsync(stream, writer.WrittenMemory, cts.Token).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Association {Calling} → {Called} ({Peer}) established: {Contexts}; peer max PDU {PeerMax}")]
    private static partial void LogEstablished(ILogger logger, string calling, string called, string peer, string contexts, uint peerMax);

    [LoggerMessage(Level = LogLevel.Information, Message = "Association {Calling} → {Called} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string calling, string called, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection refused before association: {Error}")]
    private static partial void LogRefusedBytes(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "ARTIM expired before an association request; connection closed")]
    private static partial void LogArtimExpired(ILogger logger);
}
