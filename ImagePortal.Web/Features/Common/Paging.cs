namespace ImagePortal.Web.Features.Common;

/// <summary>The one rule for every server-paged list: pages start at 0 and hold 1 to <see cref="MaxPageSize"/> rows.</summary>
public static class Paging
{
    public const int MaxPageSize = 100;

    public static IEnumerable<string> Validate(int pageIndex, int pageSize)
    {
        if (pageIndex < 0 || pageSize is < 1 or > MaxPageSize)
        {
            yield return $"Pages hold 1 to {MaxPageSize} rows and start at 0.";
        }
    }
}
