// The study as the viewer reads it from the portal's DICOMweb service: its series (QIDO-RS) and, for one series, the
// stack of wadors image ids with their instances' metadata (WADO-RS metadata, one call a series), and its first image
// ahead of the rest.
import { wadors } from '@cornerstonejs/dicom-image-loader';
import { imageLoader, Enums } from '@cornerstonejs/core';
import { getJson, onItems } from './service.js';
import { value } from './dom.js';
import { seriesOf, middleOf, byInstanceNumber } from './stackOrder.js';

/** The study's series, by series number: { uid, modality, description, number, count }. */
export async function listSeries(studyUrl) {
  return seriesOf(await getJson(`${studyUrl}/series`));
}

/**
 * The image the viewer shows first (the stack's middle one) with its own instance's metadata only: the series' instances
 * (QIDO-RS) and one instance's metadata, so it shows before the whole series' metadata, which waits for every instance to
 * be in the portal's cache; the series' thumbnails are the same image. { imageId, image: { instance, frame, frames },
 * index, count } (index and count in the stack as far as the QIDO-RS answer tells), or null when the series lists no
 * image. Asked once a series per page (the pane and its thumbnail share it) unless <paramref name="signal"/> may give up.
 */
export function loadFirstImage(studyUrl, seriesUid, signal) {
  if (signal) return fetchFirstImage(studyUrl, seriesUid, signal);
  return once(firsts, `${studyUrl}/series/${seriesUid}`, () => fetchFirstImage(studyUrl, seriesUid));
}

const firsts = new Map();

async function fetchFirstImage(studyUrl, seriesUid, signal) {
  const seriesUrl = `${studyUrl}/series/${encodeURIComponent(seriesUid)}`;
  const middle = middleOf(await getJson(`${seriesUrl}/instances`, signal));
  if (!middle) return null;
  const instanceUrl = `${seriesUrl}/instances/${encodeURIComponent(middle.sop)}`;
  const [instance] = await getJson(`${instanceUrl}/metadata`, signal);
  if (!instance) return null;
  const frames = Math.max(1, Number(value(instance, '00280008')) || 1);
  const frame = Math.min(middle.frame, frames);
  const framesUrl = `wadors:${instanceUrl}/frames/`;
  // The loader keys a multi-frame instance's metadata on frame 1 and derives the others from it.
  wadors.metaDataManager.add(`${framesUrl}1`, instance);
  return { imageId: `${framesUrl}${frame}`, image: { instance, frame, frames }, index: middle.index, count: middle.count };
}

/**
 * A series as a stack: one image id per frame of each instance (by instance number), and for each image id its
 * instance's DICOM JSON and its frame number, which the loader and the key tags read.
 * @returns {{ imageIds: string[], images: Map<string, { instance: object, frame: number, frames: number }> }}
 */
export function loadStack(studyUrl, seriesUid) {
  // One metadata call a series per page (the panes share it).
  return once(stacks, `${studyUrl}/series/${seriesUid}`, () => fetchStack(studyUrl, seriesUid));
}

const stacks = new Map();

/** The answer under <paramref name="key"/>, asked once a page; a failed one is forgotten, so it is asked again next time. */
function once(answers, key, ask) {
  if (!answers.has(key)) {
    answers.set(key, ask().catch(error => {
      answers.delete(key);
      throw error;
    }));
  }
  return answers.get(key);
}

async function fetchStack(studyUrl, seriesUid) {
  const seriesUrl = `${studyUrl}/series/${encodeURIComponent(seriesUid)}`;
  const instances = await getJson(`${seriesUrl}/metadata`);
  byInstanceNumber(instances);
  const imageIds = [];
  const images = new Map();
  for (const instance of instances) {
    const sop = value(instance, '00080018');
    if (!sop) continue;
    const frames = Math.max(1, Number(value(instance, '00280008')) || 1);
    const instanceUrl = `wadors:${studyUrl}/series/${encodeURIComponent(seriesUid)}/instances/${encodeURIComponent(sop)}/frames/`;
    // The loader keys a multi-frame instance's metadata on frame 1 and derives the others from it.
    wadors.metaDataManager.add(`${instanceUrl}1`, instance);
    for (let frame = 1; frame <= frames; frame++) {
      imageIds.push(`${instanceUrl}${frame}`);
      images.set(`${instanceUrl}${frame}`, { instance, frame, frames });
    }
  }
  return { imageIds, images };
}

/**
 * Decodes each instance's frames into the viewer's cache as soon as its line of the series' metadata has come (those
 * already come first; the loader waits for the frames' stream), while the rest still arrive: called once the first image
 * is drawn, so that it is not queued behind them. Returns the function that stops it (once the whole metadata is in, the
 * stack's prefetch does the rest). A frame that fails here is loaded again, and its failure shown, when it is shown.
 */
export function decodeAhead(studyUrl, seriesUid) {
  const seriesUrl = `${studyUrl}/series/${encodeURIComponent(seriesUid)}`;
  return onItems(`${seriesUrl}/metadata`, instance => decodeInstance(seriesUrl, instance));
}

function decodeInstance(seriesUrl, instance) {
  const sop = value(instance, '00080018');
  if (!sop) return;
  const frames = Math.max(1, Number(value(instance, '00280008')) || 1);
  const framesUrl = `wadors:${seriesUrl}/instances/${encodeURIComponent(sop)}/frames/`;
  wadors.metaDataManager.add(`${framesUrl}1`, instance);
  for (let frame = 1; frame <= frames; frame++) {
    imageLoader.loadAndCacheImage(`${framesUrl}${frame}`, { requestType: Enums.RequestType.Prefetch }).catch(() => {});
  }
}
