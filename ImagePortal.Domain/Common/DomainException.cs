namespace ImagePortal.Domain.Common;

/// <summary>A rule of the domain was broken: the entity refused the change and is unchanged.</summary>
public sealed class DomainException(string message) : Exception(message);
