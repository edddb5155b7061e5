using System.Globalization;
using System.Text.RegularExpressions;

namespace ImagePortal.Tests.Support;

/// <summary>Which worker process wrote an audit row, from the user name a retrieval worker records its rows under.</summary>
public static partial class WorkerNames
{
    /// <summary>The process id in <paramref name="userName"/>; 0 when it is not a retrieval worker's name.</summary>
    public static int ProcessOf(string? userName) =>
        userName is not null && WorkerName().Match(userName) is { Success: true } m ? int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture) : 0;

    /// <summary>"retrieval worker {machine}/{process id}/{start id}#{loop}", as <c>RetrievalWorker.Name</c> writes it.</summary>
    [GeneratedRegex(@"^retrieval worker .+/(?<pid>\d+)/[0-9a-f]{8}#\d+$")]
    private static partial Regex WorkerName();
}
