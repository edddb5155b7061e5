using System.Diagnostics.CodeAnalysis;

namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>
/// PS3.8 9.3.2 and 9.3.3: A-ASSOCIATE-RQ and A-ASSOCIATE-AC share one layout (protocol version, AE titles,
/// application context, presentation context items, user information); they differ only in the type of
/// their presentation context items (0x20 proposals, 0x21 answers). One implementation writes and reads both.
/// </summary>
public abstract class AssociatePdu<TContext>
{
    private protected AssociatePdu()
    {
    }

    [SetsRequiredMembers]
    private protected AssociatePdu(Parts parts)
    {
        ProtocolVersion = parts.ProtocolVersion;
        CalledAeTitle = parts.Called;
        CallingAeTitle = parts.Calling;
        ApplicationContextName = parts.ApplicationContext;
        PresentationContexts = parts.Contexts;
        UserInformation = parts.UserInformation;
    }

    internal delegate TContext ItemReader(ReadOnlySpan<byte> value);

    public ushort ProtocolVersion { get; init; } = 1;

    public required string CalledAeTitle { get; init; }

    public required string CallingAeTitle { get; init; }

    public string ApplicationContextName { get; init; } = DicomNetworkUids.ApplicationContext;

    public required IReadOnlyList<TContext> PresentationContexts { get; init; }

    public required UserInformation UserInformation { get; init; }

    private protected abstract PduType Type { get; }

    public void Write(PduWriter writer)
    {
        var at = AssociateHeader.WriteStart(writer, Type, ProtocolVersion, CalledAeTitle, CallingAeTitle, ApplicationContextName);
        foreach (var context in PresentationContexts)
        {
            WriteContext(writer, context);
        }

        UserInformation.Write(writer);
        writer.EndLength32(at);
    }

    private protected abstract void WriteContext(PduWriter writer, TContext context);

    /// <summary>Reads the variable part of the PDU (everything after the 6-byte PDU header).</summary>
    private protected static Parts ReadParts(ReadOnlySpan<byte> body, byte contextItemType, ItemReader readContext, string pdu)
    {
        var reader = new PduSpanReader(body);
        var header = AssociateHeader.Read(ref reader);
        var contexts = new List<TContext>();
        UserInformation? userInformation = null;
        while (reader.Remaining > 0)
        {
            var content = AssociateItems.ReadItem(ref reader, out var type);
            if (type == contextItemType)
            {
                contexts.Add(readContext(content));
            }
            else if (type == UserInformation.ItemType)
            {
                userInformation = UserInformation.Read(content);
            }
            else if (type == AssociateItems.ApplicationContextItemType)
            {
                header = header with { ApplicationContext = PduSpanReader.DecodeText(content) };
            }
        }

        return new Parts(
            header.ProtocolVersion,
            header.Called,
            header.Calling,
            header.ApplicationContext ?? throw new DicomProtocolException($"{pdu} without an application context item."),
            contexts,
            userInformation ?? throw new DicomProtocolException($"{pdu} without a user information item."));
    }

    private protected readonly record struct Parts(ushort ProtocolVersion, string Called, string Calling, string ApplicationContext, List<TContext> Contexts, UserInformation UserInformation);
}

/// <summary>PS3.8 9.3.2: A-ASSOCIATE-RQ.</summary>
public sealed class AssociateRequest : AssociatePdu<PresentationContextProposal>
{
    public AssociateRequest()
    {
    }

    [SetsRequiredMembers]
    private AssociateRequest(Parts parts)
        : base(parts)
    {
    }

    private protected override PduType Type => PduType.AssociateRequest;

    /// <summary>Reads the variable part of the PDU (everything after the 6-byte PDU header).</summary>
    public static AssociateRequest Read(ReadOnlySpan<byte> body) =>
        new(ReadParts(body, PresentationContextProposal.ItemType, PresentationContextProposal.Read, "A-ASSOCIATE-RQ (PS3.8 9.3.2)"));

    private protected override void WriteContext(PduWriter writer, PresentationContextProposal context) => context.Write(writer);
}

/// <summary>PS3.8 9.3.3: A-ASSOCIATE-AC. The AE titles are echoed from the request and "shall not be tested".</summary>
public sealed class AssociateAccept : AssociatePdu<PresentationContextAnswer>
{
    public AssociateAccept()
    {
    }

    [SetsRequiredMembers]
    private AssociateAccept(Parts parts)
        : base(parts)
    {
    }

    private protected override PduType Type => PduType.AssociateAccept;

    /// <summary>Reads the variable part of the PDU (everything after the 6-byte PDU header).</summary>
    public static AssociateAccept Read(ReadOnlySpan<byte> body) =>
        new(ReadParts(body, PresentationContextAnswer.ItemType, PresentationContextAnswer.Read, "A-ASSOCIATE-AC (PS3.8 9.3.3)"));

    private protected override void WriteContext(PduWriter writer, PresentationContextAnswer context) => context.Write(writer);
}

/// <summary>PS3.8 9.3.4: A-ASSOCIATE-RJ.</summary>
public sealed record AssociateReject(RejectResult Result, RejectSource Source, byte Reason)
{
    public void Write(PduWriter writer)
    {
        writer.WriteByte((byte)PduType.AssociateReject);
        writer.WriteByte(0);
        writer.WriteUInt32(4);
        writer.WriteByte(0);
        writer.WriteByte((byte)Result);
        writer.WriteByte((byte)Source);
        writer.WriteByte(Reason);
    }

    public static AssociateReject Read(ReadOnlySpan<byte> body)
    {
        var reader = new PduSpanReader(body);
        reader.Skip(1, "A-ASSOCIATE-RJ reserved byte");
        var result = reader.ReadByte("Result");
        var source = reader.ReadByte("Source");
        var reason = reader.ReadByte("Reason/Diag.");
        return new AssociateReject((RejectResult)result, (RejectSource)source, reason);
    }

    public override string ToString() => $"{Result} rejection by {Source}, reason {Reason}";
}

/// <summary>PS3.8 9.3.6/9.3.7: A-RELEASE-RQ and A-RELEASE-RP carry only 4 reserved bytes.</summary>
public static class ReleasePdu
{
    public static void Write(PduWriter writer, PduType type)
    {
        writer.WriteByte((byte)type);
        writer.WriteByte(0);
        writer.WriteUInt32(4);
        writer.WriteZeros(4);
    }
}

/// <summary>PS3.8 9.3.8: A-ABORT.</summary>
public sealed record AbortPdu(AbortSource Source, AbortReason Reason)
{
    public void Write(PduWriter writer)
    {
        writer.WriteByte((byte)PduType.Abort);
        writer.WriteByte(0);
        writer.WriteUInt32(4);
        writer.WriteByte(0);
        writer.WriteByte(0);
        writer.WriteByte((byte)Source);
        writer.WriteByte((byte)Reason);
    }

    public static AbortPdu Read(ReadOnlySpan<byte> body)
    {
        var reader = new PduSpanReader(body);
        reader.Skip(2, "A-ABORT reserved bytes");
        var source = reader.ReadByte("Source");
        var reason = reader.ReadByte("Reason/Diag.");
        return new AbortPdu((AbortSource)source, (AbortReason)reason);
    }
}

internal readonly record struct AssociateHeader(ushort ProtocolVersion, string Called, string Calling, string? ApplicationContext)
{
    public static int WriteStart(PduWriter writer, PduType type, ushort version, string called, string calling, string applicationContext)
    {
        AeTitleSyntax.Validate(called, nameof(called));
        AeTitleSyntax.Validate(calling, nameof(calling));
        writer.WriteByte((byte)type);
        writer.WriteByte(0);
        var at = writer.BeginLength32();
        writer.WriteUInt16(version);
        writer.WriteZeros(2);
        writer.WriteAeTitle(called);
        writer.WriteAeTitle(calling);
        writer.WriteZeros(32);
        writer.WriteTextItem(AssociateItems.ApplicationContextItemType, applicationContext);
        return at;
    }

    public static AssociateHeader Read(ref PduSpanReader reader)
    {
        var version = reader.ReadUInt16("Protocol-version");
        reader.Skip(2, "Reserved bytes after the protocol version");
        var called = reader.ReadAeTitle("Called-AE-title");
        var calling = reader.ReadAeTitle("Calling-AE-title");
        reader.Skip(32, "Reserved bytes after the AE titles");
        return new AssociateHeader(version, called, calling, null);
    }
}
