using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Web.Components.Shared;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace ImagePortal.Web.Features.Requests;

public partial class StudyLookup
{
    private string? _patientId;
    private string? _patientName;
    private string? _birthDate;
    private string? _accession;
    private DateTime? _from;
    private DateTime? _to;
    private string? _modalities;
    private PacsLookUp? _search;
    private PatientCandidate? _patient;
    // Selected by the whole answer, not by study UID: one study UID can come back under two patients.
    private readonly HashSet<StudyMatch> _selected = [];
    private readonly PageOperation _operation = new();

    [Inject]
    private IMediator Mediator { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Parameter, EditorRequired]
    public RequestDetails Request { get; set; } = default!;

    [Parameter]
    public EventCallback Changed { get; set; }

    protected override void OnInitialized()
    {
        // What the clerk sent: the MRN at this facility alone when known (the patients found show the birth date to
        // compare), else the name (a prefix search) and the birth date.
        var patient = Request.Patient;
        _patientId = patient.SourceMrn;
        if (patient.SourceMrn is null)
        {
            _patientName = patient.GivenName is null ? patient.FamilyName : $"{patient.FamilyName}^{patient.GivenName}";
            _birthDate = patient.BirthDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }

        _accession = Request.AccessionNumber;
        _from = Request.StudyDateFrom?.ToDateTime(TimeOnly.MinValue);
        _to = Request.StudyDateTo?.ToDateTime(TimeOnly.MinValue);
        _modalities = Request.ModalityScope;
    }

    private void Choose(PatientCandidate patient)
    {
        _patient = patient;
        _selected.RemoveWhere(study => !patient.Owns(study));
    }

    private void Toggle(StudyMatch study, bool on)
    {
        if (on)
        {
            _selected.Add(study);
        }
        else
        {
            _selected.Remove(study);
        }
    }

    private Task SearchAsync() => _operation.RunAsync(async () =>
    {
        var modalities = (_modalities ?? "").Split(['\\', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.ToUpperInvariant()).ToList();
        var result = await Mediator.Send(new LookUpStudies(
            Request.Number, _patientId, _patientName, _birthDate,
            _from is { } f ? DateOnly.FromDateTime(f) : null, _to is { } t ? DateOnly.FromDateTime(t) : null, modalities, _accession));
        _operation.Report(result.Failure);
        _search = result.Value;
        // One patient needs no choosing; after a new search, the same patient stays chosen if found again.
        _patient = _search?.Patients is [var only] ? only : _search?.Patients.FirstOrDefault(p => p == _patient);
        _selected.RemoveWhere(selected =>
            _search?.Studies.Contains(selected) != true || _patient?.Owns(selected) != true || StudyMatch.IsAmbiguous(_search.Studies, selected.StudyInstanceUid));
    });

    private async Task ApproveAsync()
    {
        if (_search is null || _operation.Busy)
        {
            return;
        }

        var studies = _search.Studies.Where(_selected.Contains).ToList();
        var confirmed = await Dialogs.ShowMessageBoxAsync("Approve request",
            $"Approve {Request.Number}: {Labels.Count(studies.Count, "study")} will be sent to {Request.RequestingFacility}.",
            yesText: "Approve", cancelText: "Not yet");
        if (confirmed != true)
        {
            return;
        }

        await _operation.RunAsync(async () =>
        {
            ApproveRequest approval;
            try
            {
                approval = new ApproveRequest(Request.Number, Request.Version, studies.Select(ApprovedStudy.From).ToList());
            }
            catch (DomainException error)
            {
                // A value the PACS answered that no DICOM patient can have (an overlong ID): say so rather than approve it.
                Snackbar.Add($"Your PACS answered a study the portal cannot approve: {error.Message}", Severity.Warning);
                return;
            }

            var result = await Mediator.Send(approval);
            Snackbar.Add(result.Failure?.Message ?? $"{Request.Number} approved.", result.IsSuccess ? Severity.Success : Severity.Warning);
            await Changed.InvokeAsync();
        });
    }
}
