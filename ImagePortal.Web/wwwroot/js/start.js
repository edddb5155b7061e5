// Starts Blazor without enhanced navigation. Every page but the sign-in forms runs in the interactive router, which
// handles links once the circuit is live. A link clicked before that (the first second after a page load) would
// otherwise be fetched and patched into the page while the circuit starts, and the circuit could then render the page
// it was started for over it: the user clicks Audit, sees the audit trail, and is thrown back to Home. Without
// enhanced navigation such a click is an ordinary page load.
Blazor.start({ ssr: { disableDomPreservation: true } });
