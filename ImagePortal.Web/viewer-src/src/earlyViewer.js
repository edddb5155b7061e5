// The viewer opened by the prerendered page itself (early.js), before the page's live connection (the Blazor circuit) is
// up, so that the first image does not wait for it. When the circuit starts, Blazor renders the page again and replaces
// the prerendered markup, the viewer's host with it: the running viewer's root moves into the new host as soon as that
// is in the page (a MutationObserver, before the browser paints), canvas and state whole. The page's component then
// adopts it (adopt) instead of opening a second viewer. The calls are the same the viewer would make after the circuit,
// with the same session cookie: the DICOMweb service decides, for every one of them, what the user may see.
import { open } from './viewer.js';

const HOST = '[data-viewer-early]';

/** The viewer's identity: the request's DICOMweb root, the study and the series asked for. */
const keyOf = ({ base, studyUid, seriesUid }) =>
  `${new URL(String(base).replace(/\/+$/, ''), location.href).href}|${studyUid}|${seriesUid ?? ''}`;

const optionsOf = dataset => ({ base: dataset.base, studyUid: dataset.study, seriesUid: dataset.series || undefined });

let early = null;
let adopted = false;

/**
 * Opens the viewer in the prerendered page's host (<paramref name="element"/>, [data-viewer-early]) and keeps it for the
 * page's component. Returns the viewer's opening (its handle once its series is shown), or null when the live connection
 * was quicker and the component has opened the viewer itself (or replaced the prerendered host already).
 */
export function openEarly(element) {
  if (adopted || !element.isConnected) return null;
  const options = optionsOf(element.dataset);
  const placed = {};
  const opening = open(element, options, placed);
  opening.catch(() => {});
  const key = keyOf(options);
  // The host the live connection renders in place of the prerendered one: the same element, with the same study.
  const follow = new MutationObserver(() => {
    if (placed.host().isConnected) return;
    const next = [...document.querySelectorAll(HOST)].find(h => h.dataset.base && h.dataset.study && keyOf(optionsOf(h.dataset)) === key);
    if (next) placed.moveTo(next);
  });
  follow.observe(document, { childList: true, subtree: true });
  early = { key, opening, placed, follow };
  return opening;
}

/**
 * What the page's component calls in place of open(): the viewer the prerendered page opened, moved into
 * <paramref name="element"/> (if it is not there already), when it shows the same study and series; else a new viewer
 * (and the early one, if any, is closed). Only once: a later call opens a new viewer.
 */
export function adopt(element, options) {
  const mine = early;
  early = null;
  adopted = true;
  if (mine) {
    mine.follow.disconnect();
    if (mine.key === keyOf(options) && !mine.placed.disposed()) {
      mine.placed.moveTo(element);
      // Said on the host: the viewer shown is the one the prerendered page opened (the page's tests check it).
      element.dataset.adopted = 'true';
      return mine.opening;
    }
    mine.placed.dispose();
  }
  return open(element, options);
}
