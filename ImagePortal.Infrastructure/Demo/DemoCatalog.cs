namespace ImagePortal.Infrastructure.Demo;

/// <summary>
/// The demo region's patients and what each facility's PACS holds (fictional people). Several patients were
/// seen at more than one facility, each time under that facility's own MRN: the situation the portal exists
/// for. Facilities not named here get an empty demo PACS.
/// </summary>
public static class DemoCatalog
{
    private static readonly DemoPerson Padraig = new("Ó Súilleabháin^Pádraig", "19580312", "M");
    private static readonly DemoPerson Siobhan = new("Ní Bhriain^Siobhán", "19710825", "F");
    private static readonly DemoPerson Jurgen = new("Müller^Jürgen", "19490107", "M");
    private static readonly DemoPerson Lucja = new("Kowalczyk^Łucja", "19830419", "F");
    private static readonly DemoPerson Mary = new("Byrne^Mary^Theresa", "19650630", "F");
    private static readonly DemoPerson Donal = new("Fitzgerald^Dónal", "19900214", "M");
    private static readonly DemoPerson Aine = new("Brennan^Áine", "19770921", "F");
    private static readonly DemoPerson Helene = new("Lefèvre^Hélène", "19600503", "F");
    private static readonly DemoPerson Michael = new("O'Connor^Michael^J", "19520117", "M");

    private static readonly Dictionary<string, DemoStudy[]> Studies = new(StringComparer.OrdinalIgnoreCase)
    {
        ["NVH"] =
        [
            new(Padraig, "NVH-004512", DemoStudyKind.CtChest, "20250314", "Keane^Máire^^Dr."),
            new(Siobhan, "NVH-007731", DemoStudyKind.ChestDx, "20240602", "Walsh^Declan^^Dr."),
            new(Lucja, "NVH-009904", DemoStudyKind.ChestCr, "20260110", "Keane^Máire^^Dr."),
            new(Helene, "NVH-010233", DemoStudyKind.CtHead, "20230822", "Doyle^Niamh^^Dr."),
            new(Michael, "NVH-002210", DemoStudyKind.CtAbdomen, "20221105", "Walsh^Declan^^Dr."),
            new(Michael, "NVH-002210", DemoStudyKind.ChestDx, "20261002", "Walsh^Declan^^Dr."),
        ],
        ["SBR"] =
        [
            new(Padraig, "SBR-88213", DemoStudyKind.CtHead, "20210730", "Ryan^Fionnuala^^Dr."),
            new(Jurgen, "SBR-77120", DemoStudyKind.CtChest, "20240118", "Ryan^Fionnuala^^Dr."),
            new(Jurgen, "SBR-77120", DemoStudyKind.ChestCr, "20250909", "Murphy^Gráinne^^Dr."),
            new(Aine, "SBR-81002", DemoStudyKind.Mammography, "20250227", "Murphy^Gráinne^^Dr."),
        ],
        ["RCH"] =
        [
            new(Jurgen, "RCH-1042", DemoStudyKind.ChestDx, "20260512", "Lynch^Peter^^Dr."),
            new(Mary, "RCH-1107", DemoStudyKind.ChestCr, "20250620", "Lynch^Peter^^Dr."),
        ],
        ["LIC"] =
        [
            new(Padraig, "LIC-20931", DemoStudyKind.CtAbdomen, "20240415", "Keane^Máire^^Dr."),
            new(Padraig, "LIC-20931", DemoStudyKind.ChestCr, "20190611", "Keane^Máire^^Dr."),
            new(Siobhan, "LIC-30112", DemoStudyKind.Mammography, "20250111", "Walsh^Declan^^Dr."),
            new(Siobhan, "LIC-30112", DemoStudyKind.Mammography, "20220105", "Walsh^Declan^^Dr."),
            new(Helene, "LIC-40877", DemoStudyKind.Mammography, "20240930", "Doyle^Niamh^^Dr."),
        ],
        ["TCH"] =
        [
            new(Lucja, "TCH-55018", DemoStudyKind.CtHead, "20251203", "Nolan^Ciarán^^Dr."),
            new(Mary, "TCH-55101", DemoStudyKind.Mammography, "20260301", "Nolan^Ciarán^^Dr."),
            new(Donal, "TCH-55230", DemoStudyKind.ChestCr, "20240708", "Nolan^Ciarán^^Dr."),
        ],
        ["WXC"] =
        [
            new(Donal, "WXC-3301", DemoStudyKind.ChestDx, "20250115", "Nolan^Ciarán^^Dr."),
            new(Aine, "WXC-3342", DemoStudyKind.ChestCr, "20231120", "Ryan^Fionnuala^^Dr."),
            new(Aine, "WXC-3342", DemoStudyKind.ChestDx, "20260419", "Ryan^Fionnuala^^Dr."),
        ],
    };

    public static IReadOnlyList<DemoStudy> StudiesOf(string facilityCode) => Studies.GetValueOrDefault(facilityCode) ?? [];
}
