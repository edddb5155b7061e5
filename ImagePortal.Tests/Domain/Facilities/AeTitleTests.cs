using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Tests.Domain.Facilities;

public sealed class AeTitleTests
{
    [Theory]
    [InlineData("ORTHANC", "ORTHANC")]
    [InlineData("  NVH_PACS  ", "NVH_PACS")]
    [InlineData("A", "A")]
    [InlineData("SIXTEEN_CHARS_XX", "SIXTEEN_CHARS_XX")]
    [InlineData("WITH SPACE", "WITH SPACE")]
    public void Parse_AcceptsValidTitles_AndTrimsPadding(string text, string expected) =>
        Assert.Equal(expected, AeTitle.Parse(text).Value);

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("                ", "required")]
    [InlineData("SEVENTEEN_CHARS_X", "at most 16")]
    [InlineData("BACK\\SLASH", "backslash")]
    [InlineData("TAB\tHERE", "printable")]
    [InlineData("CR\rLF", "printable")]
    [InlineData("ÄRZTE", "printable")]
    public void Parse_RefusesInvalidTitles_SayingWhy(string? text, string reason)
    {
        var error = Assert.Throws<DomainException>(() => AeTitle.Parse(text));
        Assert.Contains(reason, error.Message);
        Assert.False(AeTitle.TryParse(text, out _, out _));
    }
}
