using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Which storage presentation contexts a retrieval proposes. One context per (SOP class, transfer syntax), so that every
/// instance can travel in the syntax it is stored in: a source that finds no context for an instance's own syntax
/// converts it (a lossy JPEG decompressed, say) or fails it. Every syntax is offered for each class, so an association
/// takes at most <see cref="ClassesPerAssociation"/> classes; a study of more is retrieved a group of classes at a time.
/// </summary>
internal static class StoragePlan
{
    /// <summary>Transfer syntaxes proposed for each storage SOP class, most wanted first (PS3.5 Table A-1 order otherwise).</summary>
    public static readonly string[] StorageSyntaxes =
    [
        DicomNetworkUids.ExplicitVrLittleEndian,
        DicomNetworkUids.ImplicitVrLittleEndian,
        "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.91",
        "1.2.840.10008.1.2.4.80",
        "1.2.840.10008.1.2.4.81",
        "1.2.840.10008.1.2.4.57",
        "1.2.840.10008.1.2.4.51",
        "1.2.840.10008.1.2.5",
        DicomNetworkUids.DeflatedExplicitVrLittleEndian,
        DicomNetworkUids.ExplicitVrBigEndian,
    ];

    /// <summary>
    /// How many SOP classes one association can offer every storage syntax for: PS3.8 9.3.2.2 allows 128 presentation
    /// contexts (odd IDs 1-255); one is the C-GET's own, one spare.
    /// </summary>
    public static readonly int ClassesPerAssociation = 126 / StorageSyntaxes.Length;

    /// <summary>
    /// The storage contexts for <paramref name="sopClasses"/>, every syntax of <see cref="StorageSyntaxes"/> for each, with
    /// an SCP role selection (PS3.7 D.3.3.4) when the instances come back on the same association (C-GET).
    /// </summary>
    public static List<PresentationContextRequest> Proposals(IReadOnlyCollection<string> sopClasses, bool role)
    {
        if (sopClasses.Count > ClassesPerAssociation)
        {
            throw new ArgumentException($"At most {ClassesPerAssociation} SOP classes fit in one association with every syntax; group them first.", nameof(sopClasses));
        }

        return [.. sopClasses.SelectMany(sopClass => StorageSyntaxes.Select(syntax =>
            new PresentationContextRequest(sopClass, [syntax]) { Role = role ? new RoleSelection(sopClass, ScuRole: false, ScpRole: true) : null }))];
    }

    /// <summary>The instances grouped so that each group's SOP classes fit one association, in the order first seen.</summary>
    public static List<List<ExpectedInstance>> Groups(IEnumerable<ExpectedInstance> instances) =>
        [.. instances.GroupBy(e => e.SopClassUid, StringComparer.Ordinal).Chunk(ClassesPerAssociation).Select(chunk => chunk.SelectMany(g => g).ToList())];
}
