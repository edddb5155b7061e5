using ImagePortal.Domain.Requests;
using ImagePortal.Web.Components.Shared;
using ImagePortal.Web.Features.Facilities;
using Mediator;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// A clerk asks a partner facility for a patient's prior imaging. A request that looks like one already open is filed
/// only when the clerk confirms it asks for something else.
/// </summary>
public partial class NewRequest
{
    private static readonly (string Code, string Name)[] Modalities =
        [("CT", "computed tomography"), ("MR", "magnetic resonance"), ("MG", "mammography"), ("CR", "computed radiography"),
         ("DX", "digital radiography"), ("US", "ultrasound"), ("NM", "nuclear medicine"), ("PT", "PET"), ("XA", "angiography")];

    private readonly PageOperation _operation = new();
    private readonly NewRequestModel _model = new();
    private MudForm? _form;
    private IReadOnlyList<PartnerRow> _partners = [];
    private IReadOnlyList<DuplicateCandidate> _duplicates = [];

    [Inject]
    private IMediator Mediator { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "source")]
    public Guid? Source { get; set; }

    /// <summary>The latest birth date the picker offers: today on the server's calendar.</summary>
    private DateTime Today => Time.GetLocalNow().Date;

    protected override async Task OnInitializedAsync()
    {
        var partners = await Mediator.Send(new ListPartners(null, OnlyThoseWeCanAsk: true, 0, 100));
        _partners = partners.Value?.Items ?? [];
        _operation.Error = partners.Failure?.Message;
        if (Source is { } source && _partners.Any(p => p.Id == source))
        {
            _model.SourceFacilityId = source;
        }
    }

    private async Task SubmitAsync(bool confirmedNotDuplicate)
    {
        if (_operation.Busy || _form is null)
        {
            return;
        }

        await _form.ValidateAsync();
        if (!_form.IsValid)
        {
            return;
        }

        // Said here, before the round trip, as the handler would say it.
        if (!_model.EnoughToFindOnePatient)
        {
            _operation.Fail(PatientDetails.NotEnoughToFindOnePatient);
            return;
        }

        await _operation.RunAsync(async () =>
        {
            var result = await Mediator.Send(_model.ToCommand(confirmedNotDuplicate));
            _operation.Report(result.Failure);
            if (result.Value is { Number: { } number })
            {
                Navigation.NavigateTo($"/requests/{number}");
            }

            _duplicates = result.Value?.PossibleDuplicates ?? [];
        });
    }
}
