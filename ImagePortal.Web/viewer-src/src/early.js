// The viewer page's first script: started by the prerendered page (a module in its head, see ViewerPage.razor) before the
// Blazor circuit connects and before Cornerstone has loaded, it asks the portal what the viewer will ask first, in the
// viewer's order: the study's series, the opened series' instances, the middle instance's metadata, then that image's
// frame and the whole series' metadata (which starts the portal's retrieve of the series). Once that frame has come, it
// draws it (firstImage.js: a grey frame, decoded first where compressed, on a plain canvas, before Cornerstone has
// started) and starts the series' frames (one streamed call, seriesFrames.js), which thus never come before the first
// image's own. The viewer's own calls (service.js getJson, the loader for that frame) take these answers instead of
// asking again. It reads the viewer's element ([data-viewer-early]: data-base, data-study, data-series); a call that
// fails here fails the same way for the viewer, which says why in its viewport. The viewer's module loads only once that image is drawn (or known not
// to be drawn here, or after HOLD_AT_MOST_MS), so that its evaluation on the page's one thread does not hold the frame's
// drawing (measured: 0.2-0.6 s of it); then it opens the viewer on the prerendered page (earlyViewer.js openEarly), so
// that Cornerstone does not wait for the page's live connection either, which then adopts that viewer (ViewerPage.razor).
import { prefetchJson } from './service.js';
import { seriesOf, wantedSeries, middleOf } from './stackOrder.js';
import { value } from './dom.js';
import { fetchFirstFrame, showEarlyDecoded, mayDrawEarly, holdViewer } from './firstImage.js';
import { streamSeriesFrames } from './seriesFrames.js';

// The longest the viewer's module waits for the first image (a slow PACS): the viewer then loads and says what it waits for.
const HOLD_AT_MOST_MS = 2500;

/** Asks for the first image and draws it; calls settle() once it is drawn (and painted), or cannot be drawn here. */
async function prefetch({ base, study, series }, settle) {
  const studyUrl = `${new URL(base.replace(/\/+$/, ''), location.href).href}/studies/${encodeURIComponent(study)}`;
  const wanted = wantedSeries(seriesOf(await prefetchJson(`${studyUrl}/series`)), series);
  if (!wanted) return settle();
  const seriesUrl = `${studyUrl}/series/${encodeURIComponent(wanted.uid)}`;
  const middle = middleOf(await prefetchJson(`${seriesUrl}/instances`));
  if (!middle) return settle();
  // The middle instance is fetched from the PACS alone, ahead of the series' retrieve that brings the rest.
  const instanceUrl = `${seriesUrl}/instances/${encodeURIComponent(middle.sop)}`;
  const [instance] = await prefetchJson(`${instanceUrl}/metadata`);
  if (instance) {
    if (!mayDrawEarly(instance)) settle();
    // The frame the viewer shows first (as study.js loadFirstImage names it).
    const frames = Math.max(1, Number(value(instance, '00280008')) || 1);
    const url = `${instanceUrl}/frames/${Math.min(middle.frame, frames)}`;
    const stream = () => streamSeriesFrames(seriesUrl);
    fetchFirstFrame(url).then(async frame => {
      try {
        // Settled once the drawn image has been painted: the module's evaluation then holds nothing the user waits for.
        if (await showEarlyDecoded(url, frame, instance)) requestAnimationFrame(() => setTimeout(settle));
        else settle();
      } catch {
        settle();
      } finally {
        stream();
      }
    }, () => {
      settle();
      stream();
    });
  } else {
    settle();
  }
  prefetchJson(`${seriesUrl}/metadata`);
}

const host = document.querySelector('[data-viewer-early]');
if (host?.dataset.base && host.dataset.study) {
  let settle;
  const settled = new Promise(resolve => {
    settle = resolve;
    setTimeout(resolve, HOLD_AT_MOST_MS);
  });
  holdViewer(settled);
  prefetch(host.dataset, settle).catch(settle);
  // The viewer itself opens then too, not once the page's live connection has been made and asks for it: on a busy
  // machine the connection came 1.3-2.2 s after the first image's metadata.
  settled.then(() => import('./viewer.js')).then(viewer => viewer.openEarly(host)).catch(() => {});
}
