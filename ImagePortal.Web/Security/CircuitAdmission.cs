namespace ImagePortal.Web.Security;

/// <summary>Whether this circuit was admitted under <see cref="AuthenticationSettings.MaxCircuitsPerUser"/>.</summary>
public sealed class CircuitAdmission
{
    public bool IsRefused { get; private set; }

    public int Limit { get; private set; }

    public void Refuse(int limit)
    {
        IsRefused = true;
        Limit = limit;
    }
}
