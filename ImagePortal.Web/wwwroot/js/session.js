// What the person at the browser does: keys, pointer, wheel, typing, back and forward. Nothing else is activity (a live
// update the page merely renders is not).
(function () {
    const userEvents = ['keydown', 'pointerdown', 'wheel', 'input'];

    // Keeps the sliding session cookie fresh while the user works in an interactive page (which talks over its web
    // socket, not HTTP). At most one request every five minutes, and only after real input.
    const keepAliveMs = 5 * 60 * 1000;
    let lastKeepAlive = Date.now();
    function keepAlive() {
        const now = Date.now();
        if (now - lastKeepAlive < keepAliveMs) {
            return;
        }
        lastKeepAlive = now;
        fetch('Account/KeepAlive', { method: 'POST', credentials: 'same-origin' }).catch(() => { });
    }
    userEvents.forEach(type => document.addEventListener(type, keepAlive, { passive: true, capture: true }));

    // Tells the circuit (UserActivityReporter) that the user did something, at most once per interval: the idle timeout
    // is measured from these reports only.
    let reporter = null;
    let intervalMs = 1000;
    let lastReport = 0;
    function report() {
        const now = Date.now();
        if (reporter === null || now - lastReport < intervalMs) {
            return;
        }
        lastReport = now;
        reporter.invokeMethodAsync('UserActive').catch(() => { });
    }
    userEvents.forEach(type => document.addEventListener(type, report, { passive: true, capture: true }));
    window.addEventListener('popstate', report);

    window.imagePortalSession = {
        watchActivity(reference, reportIntervalMs) {
            reporter = reference;
            intervalMs = reportIntervalMs;
            lastReport = 0;
        },
    };
})();
