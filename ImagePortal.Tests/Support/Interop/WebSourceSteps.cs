using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>What the DICOMweb source tests do on the way: make SBR's PACS a DICOMweb node, build a compressed study, compare pixel data.</summary>
public sealed class WebSourceSteps(UseCaseFixture fixture)
{
    public const DicomCapabilities WebServices = DicomCapabilities.Find | DicomCapabilities.Get | DicomCapabilities.Store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>SBR's only node becomes a DICOMweb node at <paramref name="root"/> (basic authentication when a user is given).</summary>
    public Task PointWebSourceAsync(Uri root, string? user = null, string? password = null) => fixture.DbAsync(async db =>
    {
        var protector = fixture.Services.GetRequiredService<NodeSecretProtector>();
        var sbr = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "SBR", Ct);
        var endpoint = DicomWebEndpoint.Create(root.AbsoluteUri, user is null ? WebAuthentication.None : WebAuthentication.Basic, userName: user, timeoutSeconds: 30);
        var web = sbr.Nodes.FirstOrDefault(n => n.IsDicomWeb);
        if (web is null)
        {
            web = sbr.AddWebNode("SBR archive", endpoint, WebServices);
        }
        else
        {
            sbr.UpdateWebNode(web.Id, web.Name, endpoint, WebServices);
        }

        sbr.SetNodeSecret(web.Id, password is null ? null : protector.Protect(password));
        sbr.SetImportDestination(web.Id);
        foreach (var other in sbr.Nodes.Where(n => !n.IsDicomWeb).ToList())
        {
            sbr.RemoveNode(other.Id);
        }

        return await db.SaveChangesAsync(Ct);
    });

    /// <summary>pydicom's JPEG 2000 lossless and JPEG-LS lossless MR as one study of <paramref name="patientId"/>, with new UIDs.</summary>
    public static (string StudyUid, IReadOnlyList<string> Files, IReadOnlyList<string> SopInstanceUids) CompressedStudy(string folder, string patientId, string patientName)
    {
        Directory.CreateDirectory(folder);
        var studyUid = SyntheticStudy.NewUid();
        var seriesUid = SyntheticStudy.NewUid();
        var (files, uids) = (new List<string>(), new List<string>());
        foreach (var name in new[] { "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm" })
        {
            var file = DicomFile.Open(TestFiles.Require(name));
            var sop = SyntheticStudy.NewUid();
            file.Dataset.SetString(DicomTag.StudyInstanceUID, studyUid);
            file.Dataset.SetString(DicomTag.SeriesInstanceUID, seriesUid);
            file.Dataset.SetString(DicomTag.SOPInstanceUID, sop);
            file.Dataset.SetString(DicomTag.PatientID, patientId);
            file.Dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 192");
            file.Dataset.SetString(DicomTag.PatientName, patientName);
            file.Dataset.Remove(DicomTag.IssuerOfPatientID);
            file.FileMetaInformation.SetString(DicomTag.MediaStorageSOPInstanceUID, sop);
            var path = Path.Combine(folder, name);
            file.Save(path);
            files.Add(path);
            uids.Add(sop);
        }

        return (studyUid, files, uids);
    }

    public static ApprovedStudy Approval(string studyUid, int instances, string patientId, string patientName) =>
        new(studyUid, new DateOnly(2024, 1, 15), "MR", "Compressed test study", null, instances, new SourcePatient(patientId, null, patientName, null));

    /// <summary>The transfer syntax and the pixel data of a Part 10 file: the value, or each fragment of an encapsulated one.</summary>
    public static (string Syntax, byte[][] Pixels) PixelData(byte[] part10)
    {
        var file = DicomFile.Read(new MemoryStream(part10));
        return file.Dataset[DicomTag.PixelData] switch
        {
            DicomFragmentSequence fragments => (file.TransferSyntax.Uid, [.. fragments.Fragments.Select(f => f.GetBytes().ToArray())]),
            DicomElement element => (file.TransferSyntax.Uid, [element.Buffer.GetBytes().ToArray()]),
            _ => (file.TransferSyntax.Uid, []),
        };
    }

    /// <summary>SOP Instance UID → Orthanc's id, for the instances <paramref name="orthanc"/> holds.</summary>
    public static async Task<Dictionary<string, string>> OrthancIdsAsync(OrthancPeer orthanc)
    {
        var instances = await orthanc.GetJsonAsync("instances?expand", Ct);
        return instances.EnumerateArray().ToDictionary(
            i => i.GetProperty("MainDicomTags").GetProperty("SOPInstanceUID").GetString()!, i => i.GetProperty("ID").GetString()!, StringComparer.Ordinal);
    }

    /// <summary>
    /// Each instance <paramref name="destination"/> holds came from <paramref name="source"/> under the local MRN, in the
    /// source's transfer syntax with the same pixel data (asserted here); returns the transfer syntaxes seen.
    /// </summary>
    public static async Task<HashSet<string>> AssertArrivedAsync(OrthancPeer source, OrthancPeer destination, string localMrn)
    {
        var sourceIds = await OrthancIdsAsync(source);
        var syntaxes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (sop, id) in await OrthancIdsAsync(destination))
        {
            var tags = await destination.GetJsonAsync($"instances/{id}/tags?simplify", Ct);
            Assert.Equal(localMrn, tags.GetProperty("PatientID").GetString());
            var sent = PixelData(await source.Http.GetByteArrayAsync($"instances/{sourceIds[sop]}/file", Ct));
            var received = PixelData(await destination.Http.GetByteArrayAsync($"instances/{id}/file", Ct));
            Assert.Equal(sent.Syntax, received.Syntax);
            Assert.NotEmpty(received.Pixels);
            Assert.Equal(sent.Pixels, received.Pixels);
            syntaxes.Add(received.Syntax);
        }

        return syntaxes;
    }
}
