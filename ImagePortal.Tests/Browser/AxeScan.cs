using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace ImagePortal.Tests.Browser;

/// <summary>axe-core run on the page as it is now, against the WCAG 2.0, 2.1 and 2.2 A and AA rules.</summary>
public static class AxeScan
{
    private static readonly AxeRunOptions Options = new()
    {
        RunOnly = new RunOnlyOptions
        {
            Type = "tag",
            Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
        },
        ResultTypes = [ResultType.Violations],
    };

    /// <summary>
    /// One line per critical or serious violation: where, the rule, its help and the nodes it found; and one when the
    /// page has not exactly one main landmark (axe counts that a best practice only, of moderate impact).
    /// </summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page, string where)
    {
        // A menu or a calendar fading in has, for a moment, the contrast of a half-transparent one.
        await page.WaitForFunctionAsync(
            "() => document.getAnimations().every(a => a.effect?.getTiming().iterations === Infinity || a.playState !== 'running')");
        var result = await page.RunAxe(Options);
        var violations = result.Violations
            .Where(violation => violation.Impact is "critical" or "serious")
            .Select(violation =>
                $"{where}: {violation.Id} ({violation.Impact}) {violation.Help}: " +
                string.Join(" | ", violation.Nodes.Select(node => $"{node.Target} ({Why(node)})")))
            .ToList();
        var mains = await page.GetByRole(AriaRole.Main).CountAsync();
        if (mains != 1)
        {
            violations.Add($"{where}: landmark-one-main: {mains} main landmarks, where one tells assistive technology where the page's content is");
        }

        return violations;
    }

    private static string? Why(AxeResultNode node) =>
        node.Any.Concat(node.All).Concat(node.None).Select(check => check.Message).FirstOrDefault();
}
