namespace ImagePortal.Infrastructure.Reports;

/// <summary>How long a period one <see cref="ReportFigure"/> row covers. The numbers are stored.</summary>
public enum ReportGrain
{
    /// <summary>One day (<see cref="ReportFigure.DayFiled"/>).</summary>
    Day = 0,

    /// <summary>The calendar month that starts on <see cref="ReportFigure.DayFiled"/>: a year's report reads twelve of these
    /// and the days of the months it covers only in part, not 365 days' rows.</summary>
    Month = 1,
}

/// <summary>
/// What a <see cref="ReportFigure"/> counts. The numbers are stored: append new kinds, never renumber one.
/// </summary>
public enum ReportFigureKind
{
    /// <summary>Requests now in a status; the code is the <see cref="Domain.Requests.RequestStatus"/>.</summary>
    Status = 0,

    /// <summary>Denied requests by reason; the code is the <see cref="Domain.Requests.DenialReason"/>.</summary>
    Denial = 1,

    /// <summary>Instances the retrieval workers imported for the requests (the ledger's rows); the code is 0.</summary>
    Images = 2,

    /// <summary>Completed (or partially completed) requests whose import ended by their due time (code 1) or after it (code 0).</summary>
    CompletedByDue = 3,

    /// <summary>
    /// Requests filed, by scope rather than by pair (see <see cref="ReportRollup.IsScoped"/>), for the weekly chart: one
    /// row per day for the network, however many facility pairs filed that day.
    /// </summary>
    Filed = 4,

    /// <summary>Filing to an approver's first claim; the code is a <see cref="DurationBuckets"/> bucket. The duration kinds
    /// are kept by scope, not by pair (see <see cref="ReportRollup.IsScoped"/>).</summary>
    FiledToClaimed = 10,

    /// <summary>First claim to the approver's decision.</summary>
    ClaimedToDecided = 11,

    /// <summary>Filing to an approver's decision (requests approved by a direct agreement have none).</summary>
    FiledToDecided = 12,

    /// <summary>Decision (an approval, or the agreement's) to the end of an import that brought images.</summary>
    DecidedToImported = 13,

    /// <summary>
    /// Not a figure: the one row a migration inserts to ask for <see cref="ReportRollup.RebuildIfPendingAsync"/>, on a
    /// database that had history before the rollup existed.
    /// </summary>
    RebuildPending = 99,
}

/// <summary>
/// One pre-aggregated number of the request report: for the requests filed on <see cref="DayFiled"/> (UTC) by
/// <see cref="RequestingFacilityId"/> from <see cref="SourceFacilityId"/>, how many are in a status, were denied for a
/// reason, took a stage duration in a bucket, or how many images they brought. The report sums these rows instead of
/// reading the requests, their timelines and the import ledger; <see cref="ReportRollup"/> keeps them equal to that
/// history in the same transaction as every change.
/// </summary>
public sealed class ReportFigure
{
    private ReportFigure()
    {
    }

    public ReportFigure(ReportGrain grain, ReportFigureKind kind, DateOnly dayFiled, Guid requestingFacilityId, Guid sourceFacilityId, int code, long value)
    {
        Grain = grain;
        Kind = kind;
        DayFiled = dayFiled;
        RequestingFacilityId = requestingFacilityId;
        SourceFacilityId = sourceFacilityId;
        Code = code;
        Value = value;
    }

    public ReportGrain Grain { get; private set; }

    public ReportFigureKind Kind { get; private set; }

    /// <summary>The day the requests were filed on, or the first day of their month (<see cref="ReportGrain.Month"/>).</summary>
    public DateOnly DayFiled { get; private set; }

    /// <summary>The facility that filed the requests; <see cref="Guid.Empty"/> in the rows of a scoped kind that count any.</summary>
    public Guid RequestingFacilityId { get; private set; }

    public Guid SourceFacilityId { get; private set; }

    /// <summary>Which status, reason or bucket (see <see cref="ReportFigureKind"/>).</summary>
    public int Code { get; private set; }

    public long Value { get; private set; }
}
