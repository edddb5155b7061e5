// Keeps the sliding session cookie fresh while the user works in an interactive page (which talks over its web
// socket, not HTTP). At most one request every five minutes, and only after real input.
(function () {
    const intervalMs = 5 * 60 * 1000;
    let last = Date.now();
    function activity() {
        const now = Date.now();
        if (now - last < intervalMs) {
            return;
        }
        last = now;
        fetch('Account/KeepAlive', { method: 'POST', credentials: 'same-origin' }).catch(() => { });
    }
    ['keydown', 'pointerdown', 'wheel'].forEach(type => document.addEventListener(type, activity, { passive: true }));
})();
