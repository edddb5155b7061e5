using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace ImagePortal.Tests.Support;

/// <summary>
/// SQL Server's T-SQL checked without a SQL Server (none runs on these machines): Microsoft's own parser
/// (<c>Microsoft.SqlServer.TransactSql.ScriptDom</c>, SQL Server 2022's grammar) finds what the server would refuse as
/// a syntax error, also inside the dynamic SQL of <c>EXEC(N'…')</c> that Entity Framework's idempotent scripts and our
/// migrations wrap statements in. It does not bind names: a misspelt column passes.
/// </summary>
public static class TSql
{
    /// <summary>
    /// The parameters one command may have: SQL Server takes 2,100 in a request, and SqlClient sends a command with
    /// parameters through <c>sp_executesql</c>, whose own statement and parameter list are two of them.
    /// </summary>
    public const int MaxParameters = 2098;

    /// <summary>Every syntax error in <paramref name="script"/> (batches split at <c>GO</c>), each with its line.</summary>
    public static IReadOnlyList<string> Errors(string script)
    {
        var errors = new List<string>();
        Collect(script, "", errors);
        return errors;
    }

    private static void Collect(string script, string within, List<string> errors)
    {
        var fragment = new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(script), out var parseErrors);
        errors.AddRange(parseErrors.Select(e => $"{within}line {e.Line}: {e.Message} near: {Near(script, e.Offset)}"));
        fragment?.Accept(new DynamicSql(script, within, errors));
    }

    private static string Near(string script, int offset) =>
        script.Substring(Math.Clamp(offset, 0, script.Length), Math.Min(80, script.Length - Math.Clamp(offset, 0, script.Length))).ReplaceLineEndings(" ");

    /// <summary>The string a batch hands to <c>EXEC(…)</c>, parsed as the server would at run time.</summary>
    private sealed class DynamicSql(string script, string within, List<string> errors) : TSqlFragmentVisitor
    {
        public override void ExplicitVisit(ExecutableStringList node)
        {
            if (node.Strings.All(s => s is StringLiteral))
            {
                var text = string.Concat(node.Strings.Cast<StringLiteral>().Select(s => s.Value));
                Collect(text, $"{within}EXEC at line {node.StartLine} ({Near(script, node.StartOffset)}), ", errors);
            }

            base.ExplicitVisit(node);
        }
    }
}
