// The viewer page's first script: started by the prerendered page (a module in its head, see ViewerPage.razor) before the
// Blazor circuit connects and before Cornerstone has loaded, it asks the portal what the viewer will ask first, in the
// viewer's order: the study's series, the opened series' instances, the middle instance's metadata, then the whole
// series' metadata (which starts the portal's retrieve of the series). The series' frames (one streamed call,
// seriesFrames.js) are not asked for here: the viewer starts them once its first image is drawn (stackPane.js), so that
// 150 MB of frames do not compete with that image. The viewer's own calls (service.js getJson) take these answers
// instead of asking again. It reads only the viewer's element
// ([data-viewer-early]: data-base, data-study, data-series) and shows nothing itself: a call that fails here fails the
// same way for the viewer, which says why. It also starts the viewer's module and Cornerstone (viewer.js prepare), so that
// they are ready when the page's live connection opens the viewer.
import { prefetchJson } from './service.js';
import { seriesOf, wantedSeries, middleOf } from './stackOrder.js';

async function prefetch({ base, study, series }) {
  const studyUrl = `${new URL(base.replace(/\/+$/, ''), location.href).href}/studies/${encodeURIComponent(study)}`;
  const wanted = wantedSeries(seriesOf(await prefetchJson(`${studyUrl}/series`)), series);
  if (!wanted) return;
  const seriesUrl = `${studyUrl}/series/${encodeURIComponent(wanted.uid)}`;
  const middle = middleOf(await prefetchJson(`${seriesUrl}/instances`));
  if (middle) {
    // The middle instance is fetched from the PACS alone, ahead of the series' retrieve that brings the rest.
    await prefetchJson(`${seriesUrl}/instances/${encodeURIComponent(middle.sop)}/metadata`);
  }
  prefetchJson(`${seriesUrl}/metadata`);
}

const host = document.querySelector('[data-viewer-early]');
if (host?.dataset.base && host.dataset.study) {
  prefetch(host.dataset).catch(() => {});
  // The viewer's module and Cornerstone (its decoders included) start now too, not once the page's live connection has
  // been made and asks for them: on a busy machine that start took 1.5 s of the first image's time after its calls.
  import('./viewer.js').then(viewer => viewer.prepare()).catch(() => {});
}
