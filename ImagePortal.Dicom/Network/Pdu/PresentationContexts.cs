namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>PS3.8 9.3.2.2: one proposed presentation context (item 0x20).</summary>
public sealed record PresentationContextProposal(byte Id, string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes)
{
    internal const byte ItemType = 0x20;
    internal const byte AbstractSyntaxItemType = 0x30;
    internal const byte TransferSyntaxItemType = 0x40;

    internal void Write(PduWriter writer)
    {
        writer.WriteByte(ItemType);
        writer.WriteByte(0);
        var at = writer.BeginLength16();
        writer.WriteByte(Id);
        writer.WriteZeros(3);
        writer.WriteTextItem(AbstractSyntaxItemType, AbstractSyntax);
        foreach (var transferSyntax in TransferSyntaxes)
        {
            writer.WriteTextItem(TransferSyntaxItemType, transferSyntax);
        }

        writer.EndLength16(at);
    }

    internal static PresentationContextProposal Read(ReadOnlySpan<byte> value)
    {
        var reader = new PduSpanReader(value);
        var id = reader.ReadByte("Presentation-context-ID");
        reader.Skip(3, "Presentation context reserved bytes");
        string? abstractSyntax = null;
        var transferSyntaxes = new List<string>();
        while (reader.Remaining > 0)
        {
            var content = AssociateItems.ReadItem(ref reader, out var type);
            switch (type)
            {
                case AbstractSyntaxItemType when abstractSyntax is null:
                    abstractSyntax = PduSpanReader.DecodeText(content);
                    break;
                case AbstractSyntaxItemType:
                    throw new DicomProtocolException($"Presentation context {id} has more than one abstract syntax (PS3.8 9.3.2.2).");
                case TransferSyntaxItemType:
                    transferSyntaxes.Add(PduSpanReader.DecodeText(content));
                    break;
                default:
                    // PS3.8 9.3.1: unknown sub-items are ignored.
                    break;
            }
        }

        if (abstractSyntax is null || transferSyntaxes.Count == 0)
        {
            throw new DicomProtocolException(
                $"Presentation context {id} needs one abstract syntax and at least one transfer syntax (PS3.8 9.3.2.2).");
        }

        return new PresentationContextProposal(id, abstractSyntax, transferSyntaxes);
    }
}

/// <summary>PS3.8 9.3.3.2: the acceptor's answer to one presentation context (item 0x21).</summary>
public sealed record PresentationContextAnswer(byte Id, PresentationContextResult Result, string TransferSyntax)
{
    internal const byte ItemType = 0x21;

    internal void Write(PduWriter writer)
    {
        writer.WriteByte(ItemType);
        writer.WriteByte(0);
        var at = writer.BeginLength16();
        writer.WriteByte(Id);
        writer.WriteByte(0);
        writer.WriteByte((byte)Result);
        writer.WriteByte(0);
        // PS3.8 9.3.3.2: the transfer syntax sub-item is always present; its value is not significant
        // when the context is rejected.
        writer.WriteTextItem(PresentationContextProposal.TransferSyntaxItemType, TransferSyntax);
        writer.EndLength16(at);
    }

    internal static PresentationContextAnswer Read(ReadOnlySpan<byte> value)
    {
        var reader = new PduSpanReader(value);
        var id = reader.ReadByte("Presentation-context-ID");
        reader.Skip(1, "Presentation context reserved byte");
        var result = reader.ReadByte("Result/Reason");
        reader.Skip(1, "Presentation context reserved byte");
        string? transferSyntax = null;
        while (reader.Remaining > 0)
        {
            var content = AssociateItems.ReadItem(ref reader, out var type);
            if (type == PresentationContextProposal.TransferSyntaxItemType)
            {
                if (transferSyntax is not null)
                {
                    throw new DicomProtocolException($"Presentation context {id} was answered with more than one transfer syntax (PS3.8 9.3.3.2).");
                }

                transferSyntax = PduSpanReader.DecodeText(content);
            }
        }

        if (result > (byte)PresentationContextResult.TransferSyntaxesNotSupported)
        {
            throw new DicomProtocolException($"Presentation context {id} has result {result}, which PS3.8 9.3.3.2 does not define.");
        }

        if (result == 0 && string.IsNullOrEmpty(transferSyntax))
        {
            throw new DicomProtocolException($"Presentation context {id} was accepted without a transfer syntax (PS3.8 9.3.3.2).");
        }

        return new PresentationContextAnswer(id, (PresentationContextResult)result, transferSyntax ?? string.Empty);
    }
}
