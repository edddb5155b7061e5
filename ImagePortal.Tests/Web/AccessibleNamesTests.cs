using System.Text.RegularExpressions;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Web;

/// <summary>
/// WCAG 2.5.3 (label in name): a control's accessible name contains the words it shows, so that a person using speech
/// input can say what they see ("click Reset 2FA"). axe-core checks the controls a page happens to show; many appear
/// only in some states (a user with two-factor sign-in, a job that can be cancelled), so every Razor file is read here.
/// </summary>
public sealed partial class AccessibleNamesTests
{
    [Fact]
    public void EveryControlWithAnAriaLabel_HasItsVisibleTextInThatLabel()
    {
        var web = Path.Combine(SourceTree.Root, "ImagePortal.Web");
        var checkedControls = 0;
        var offenders = new List<string>();
        foreach (var file in SourceTree.FilesOf("ImagePortal.Web", ".razor"))
        {
            foreach (Match control in LabelledControl().Matches(File.ReadAllText(file)))
            {
                var shown = Regex.Replace(control.Groups["text"].Value, @"\s+", " ").Trim();
                if (shown.Length == 0)
                {
                    continue;
                }

                checkedControls++;
                // The label's fixed words, with each interpolated value replaced by a gap.
                var label = Regex.Replace(Interpolation().Replace(control.Groups["label"].Value, " … "), @"\s+", " ");
                if (!label.Contains(shown, StringComparison.OrdinalIgnoreCase))
                {
                    offenders.Add($"{Path.GetRelativePath(web, file)}: shows \"{shown}\", is named \"{control.Groups["label"].Value}\"");
                }
            }
        }

        Assert.True(checkedControls > 10, $"only {checkedControls} labelled controls with text found: is the pattern still right?");
        Assert.True(offenders.Count == 0, string.Join(Environment.NewLine, offenders));
    }

    [Theory]
    [InlineData("""<MudButton aria-label="@($"Reset two-factor of {context.Item.UserName}")">Reset 2FA</MudButton>""", false)]
    [InlineData("""<MudButton aria-label="@($"Reset 2FA of {context.Item.UserName}")">Reset 2FA</MudButton>""", true)]
    [InlineData("""<MudButton OnClick="@(() => Go(x))" aria-label="@($"Retry {context.Item.Number}")" OnClick="@(() => RetryAsync(context.Item))">Retry</MudButton>""", true)]
    [InlineData("""<button aria-label="Close the panel">Dismiss</button>""", false)]
    public void ThePattern_FindsTheControlAndItsText(string razor, bool named)
    {
        var control = LabelledControl().Match(razor);
        Assert.True(control.Success);
        var label = Interpolation().Replace(control.Groups["label"].Value, " … ");
        Assert.Equal(named, label.Contains(control.Groups["text"].Value.Trim(), StringComparison.OrdinalIgnoreCase));
    }

    // An element with an aria-label (plain, or an interpolated string whose holes may hold quotes), then its other
    // attributes (quoted values may hold '>' as in lambdas), then text of its own up to its closing tag.
    [GeneratedRegex("""<(?<tag>[A-Za-z][\w.]*)\b(?:[^>"]|"[^"]*")*?\baria-label="(?:@\(\$"(?<label>(?:[^"{}]|\{[^{}]*\})*)"\)|(?<label>[^"@]*))"(?:[^>"]|"[^"]*")*>(?<text>[^<@]*)</\k<tag>>""", RegexOptions.Singleline)]
    private static partial Regex LabelledControl();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Interpolation();
}
