using System.Globalization;
using System.Text;

namespace ImagePortal.Web.Features.Common;

/// <summary>
/// Writes RFC 4180 CSV that is safe to open in a spreadsheet: a cell that starts with <c>= + - @</c>, a tab or a
/// carriage return is prefixed with a quote, so a value typed into the portal (a description, a user name) can never run
/// as a formula on the auditor's machine (OWASP "CSV injection").
/// </summary>
public sealed class CsvWriter(Stream destination) : IAsyncDisposable
{
    private readonly StreamWriter _writer = new(destination, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024, leaveOpen: true)
    {
        NewLine = "\r\n",
    };

    public async Task WriteRowAsync(IEnumerable<object?> cells, CancellationToken cancellationToken)
    {
        var line = string.Join(',', cells.Select(Cell));
        await _writer.WriteLineAsync(line.AsMemory(), cancellationToken);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    public static string Cell(object? value)
    {
        var text = value switch
        {
            null => string.Empty,
            DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }

        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
