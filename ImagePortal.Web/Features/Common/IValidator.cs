namespace ImagePortal.Web.Features.Common;

/// <summary>Checks a message's input before its handler runs; each returned string is one problem, for the user.</summary>
public interface IValidator<in TMessage>
{
    IEnumerable<string> Validate(TMessage message);
}
