namespace ImagePortal.Domain.Facilities;

/// <summary>What an import does with the source's Accession Number (0008,0050).</summary>
public enum AccessionPolicy
{
    /// <summary>Keep the source's accession number unchanged.</summary>
    Keep = 0,

    /// <summary>Prefix it with the source facility's code, so it cannot collide with a local one.</summary>
    PrefixWithSourceCode = 1,

    /// <summary>Clear it; the local RIS assigns its own.</summary>
    Clear = 2,
}

/// <summary>What an import does with the patient's name, birth date and sex.</summary>
public enum DemographicsPolicy
{
    /// <summary>Keep the values the source PACS holds.</summary>
    KeepSource = 0,

    /// <summary>Replace them with the values the clerk entered on the ticket.</summary>
    ReplaceWithTicket = 1,
}
