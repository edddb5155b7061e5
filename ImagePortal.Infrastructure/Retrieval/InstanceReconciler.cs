using System.Globalization;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// What the requesting facility's policies and the ticket say an imported instance must carry when it is filed under
/// the local patient.
/// </summary>
public sealed record ReconcilePlan(
    string LocalMrn,
    string LocalIssuer,
    string SourceIssuer,
    string SourceCode,
    AccessionPolicy Accession,
    DemographicsPolicy Demographics,
    PatientDetails Ticket);

/// <param name="AccessionKept">The accession number left as the source sent it, because the source's code and it do not fit together.</param>
public sealed record ReconcileNotes(string? AccessionKept);

/// <summary>
/// Files an instance under the requesting facility's patient: Patient ID := local MRN, Issuer of Patient ID := the
/// facility's issuer, the source's ID and issuer kept in Other Patient IDs Sequence (0010,1002); names, birth date and
/// sex and the accession number per policy. Study/Series/SOP Instance UIDs and pixel data are never touched.
/// </summary>
public static class InstanceReconciler
{
    public const int MaxAccessionLength = 16;

    /// <returns>What the policies could not do as asked, for the request's timeline.</returns>
    public static ReconcileNotes Apply(DicomDataset dataset, ReconcilePlan plan)
    {
        string? accessionKept = null;
        var sourceId = dataset.GetString(DicomTag.PatientID) ?? string.Empty;
        var sourceIssuer = dataset.GetString(DicomTag.IssuerOfPatientID) is { Length: > 0 } issuer ? issuer : plan.SourceIssuer;

        // Values from the ticket may need more than the data set's character set can hold: UTF-8 can hold them, and the
        // data set's other text stays valid when it was plain ASCII (the default repertoire).
        if (plan.Demographics == DemographicsPolicy.ReplaceWithTicket && !CanEncode(dataset, plan.Ticket.DicomName) &&
            dataset.GetString(DicomTag.SpecificCharacterSet) is null or "")
        {
            dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 192");
        }

        if (sourceId.Length > 0 && !(sourceId == plan.LocalMrn && sourceIssuer == plan.LocalIssuer))
        {
            var other = new DicomDataset();
            other.SetString(DicomTag.PatientID, sourceId);
            other.SetString(DicomTag.IssuerOfPatientID, sourceIssuer);
            other.SetString(DicomTag.TypeOfPatientID, "TEXT");
            var existing = dataset.GetSequence(DicomTag.OtherPatientIDsSequence);
            var alreadyThere = existing?.Items.Any(i => i.GetString(DicomTag.PatientID) == sourceId && i.GetString(DicomTag.IssuerOfPatientID) == sourceIssuer) == true;
            if (!alreadyThere)
            {
                dataset.AddSequenceItem(DicomTag.OtherPatientIDsSequence, other);
            }
        }

        dataset.SetString(DicomTag.PatientID, plan.LocalMrn);
        dataset.SetString(DicomTag.IssuerOfPatientID, plan.LocalIssuer);

        if (plan.Demographics == DemographicsPolicy.ReplaceWithTicket)
        {
            dataset.SetString(DicomTag.PatientName, plan.Ticket.DicomName);
            dataset.SetString(DicomTag.PatientBirthDate, plan.Ticket.BirthDate?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? string.Empty);
            dataset.SetString(DicomTag.PatientSex, plan.Ticket.Sex switch
            {
                PatientSex.Female => "F",
                PatientSex.Male => "M",
                PatientSex.Other => "O",
                _ => string.Empty,
            });
        }

        switch (plan.Accession)
        {
            case AccessionPolicy.Clear:
                dataset.SetString(DicomTag.AccessionNumber, string.Empty);
                break;
            case AccessionPolicy.PrefixWithSourceCode:
                var accession = dataset.GetString(DicomTag.AccessionNumber);
                if (Prefix(plan.SourceCode, accession) is { } prefixed)
                {
                    dataset.SetString(DicomTag.AccessionNumber, prefixed);
                }
                else
                {
                    accessionKept = accession;
                }

                break;
        }

        return new ReconcileNotes(accessionKept);
    }

    /// <summary>
    /// The source's code before its accession number; null when both do not fit in Accession Number (SH, 16
    /// characters): a value is never cut (another study's number may end the same way), the original is kept.
    /// </summary>
    public static string? Prefix(string sourceCode, string? accession)
    {
        if (string.IsNullOrEmpty(accession))
        {
            return string.Empty;
        }

        return sourceCode.Length + accession.Length <= MaxAccessionLength ? sourceCode + accession : null;
    }

    private static bool CanEncode(DicomDataset dataset, string text)
    {
        try
        {
            dataset.CharacterSet.Encode(text);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
