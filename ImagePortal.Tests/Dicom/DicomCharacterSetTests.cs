using System.Text;
using System.Text.Json;
using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Dicom;

public sealed class DicomCharacterSetTests
{
    private const string DebianPython = "/usr/bin/python3";

    public static TheoryData<string> CharsetFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in DicomCorpus.Files())
        {
            if (file.Data.StartsWith("charset_files/", StringComparison.Ordinal))
            {
                data.Add(file.Data);
            }
        }

        return data;
    }

    /// <summary>
    /// Every SH, LO, ST, LT, PN, UC and UT value of pydicom's character set files, nested items included, decodes to
    /// the text pydicom decodes it to (PS3.5 §6.1; pydicom implements the ISO 2022 code extensions of §6.1.2.5
    /// independently, and covers the Japanese sets this DCMTK build cannot convert).
    /// </summary>
    [Theory]
    [MemberData(nameof(CharsetFiles))]
    public async Task CharsetFile_DecodesLikePydicom(string relativePath)
    {
        var path = DicomCorpus.Require(relativePath);
        var python = ExternalTools.Require(DebianPython, "python3-pydicom");
        var oracle = Path.Combine(AppContext.BaseDirectory, "Dicom", "Oracles", "pydicom_text.py");
        var (exit, output, error) = await DicomCorpusTests.Run(python, TestContext.Current.CancellationToken, oracle, path);
        Assert.True(exit == 0, error);
        var expected = JsonSerializer.Deserialize<Dictionary<string, string[]>>(output)!;

        var actual = new Dictionary<string, string[]>();
        var unknown = new HashSet<string>();
        var names = new HashSet<string>();
        Collect(DicomFile.Open(path).Dataset, string.Empty, actual, unknown, names);

        // pydicom ships a private dictionary and so gives VRs to some private tags of implicit VR files; without one
        // they are UN (PS3.5 §6.2.2) and have no text to compare.
        var comparable = expected.Keys.Where(k => !unknown.Contains(k)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(comparable, actual.Keys.Order(StringComparer.Ordinal));
        foreach (var key in comparable)
        {
            var isName = names.Contains(key);
            var ours = actual[key].Select(v => isName ? NormalizeName(v) : v);
            var theirs = expected[key].Select(v => isName ? NormalizeName(v) : v);
            Assert.True(theirs.SequenceEqual(ours), $"{key}: pydicom [{string.Join(" | ", theirs)}], ours [{string.Join(" | ", ours)}]");
        }
    }

    [Theory]
    // PS3.5 Annex H/I/J examples (the byte strings of H.3.1, I.2, J.3 as in pydicom's charset files).
    [InlineData("\\ISO 2022 IR 87", "Yamada^Tarou=\u001b$B;3ED\u001b(B^\u001b$BB@O:\u001b(B", "Yamada^Tarou=山田^太郎")]
    [InlineData("\\ISO 2022 IR 149", "Hong^Gildong=\u001b$)C\u00fb\u00f3^\u001b$)C\u00d1\u00ce\u00d4\u00d7", "Hong^Gildong=洪^吉洞")]
    [InlineData("ISO_IR 100", "Buc^J\u00e9r\u00f4me", "Buc^Jérôme")]
    [InlineData("ISO_IR 144", "\u00bb\u00ee\u00dace\u00dc\u00d1yp\u00d3", "Люкceмбypг")]
    [InlineData("GB18030", "Wang^XiaoDong=\u00cd\u00f5^\u00d0\u00a1\u00b6\u00ab", "Wang^XiaoDong=王^小东")]
    [InlineData("ISO_IR 13", "\u00d4\u00cf\u00c0\u00de^\u00c0\u00db\u00b3", "ﾔﾏﾀﾞ^ﾀﾛｳ")]
    public void Decode_PersonNames_MatchStandardExamples(string specificCharacterSet, string latin1Bytes, string expected)
    {
        var dataset = new DicomDataset();
        dataset.SetBytes(DicomTag.SpecificCharacterSet, DicomVR.CS, Encoding.ASCII.GetBytes(specificCharacterSet));
        dataset.SetBytes(DicomTag.PatientName, DicomVR.PN, Encoding.Latin1.GetBytes(latin1Bytes));

        Assert.Equal(expected, dataset.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void NestedItem_WithoutSpecificCharacterSet_InheritsTheParents()
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 192");
        var item = new DicomDataset();
        dataset.AddSequenceItem(DicomTag.OtherPatientIDsSequence, item);

        item.SetString(DicomTag.PatientName, "Müller^Jürgen");

        Assert.Equal("Müller^Jürgen", item.GetString(DicomTag.PatientName));
        Assert.Equal(Encoding.UTF8.GetBytes("Müller^Jürgen "), item.GetBytes(DicomTag.PatientName).ToArray());
    }

    [Fact]
    public void SetString_TextTheCharacterSetCannotHold_IsRefused()
    {
        var dataset = new DicomDataset();

        var error = Assert.Throws<ArgumentException>(() => dataset.SetString(DicomTag.PatientName, "山田"));

        Assert.Contains("ISO_IR 192", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Trailing empty PN component groups carry nothing (PS3.5 §6.2.1.1); pydicom drops them when it decodes.</summary>
    private static string NormalizeName(string value) => value.TrimEnd('=');

    private static void Collect(DicomDataset dataset, string prefix, Dictionary<string, string[]> values, HashSet<string> unknown, HashSet<string> names)
    {
        foreach (var item in dataset)
        {
            var key = prefix + item.Tag.Value.ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
            if (item is DicomSequence sequence)
            {
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    Collect(sequence.Items[i], $"{key}[{i}]/", values, unknown, names);
                }
            }
            else if (item.VR == DicomVR.UN)
            {
                unknown.Add(key);
            }
            else if (item.VR.UsesSpecificCharacterSet)
            {
                if (item.VR == DicomVR.PN)
                {
                    names.Add(key);
                }

                values[key] = dataset.GetStrings(item.Tag);
            }
        }
    }
}
