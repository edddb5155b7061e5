// The study as the viewer reads it from the portal's DICOMweb service: its series (QIDO-RS) and, for one series, the
// stack of wadors image ids with their instances' metadata (WADO-RS metadata, one call a series).
import { wadors } from '@cornerstonejs/dicom-image-loader';
import { getJson } from './service.js';
import { value, text } from './dom.js';

/** The study's series, by series number: { uid, modality, description, number, count }. */
export async function listSeries(studyUrl) {
  const answers = await getJson(`${studyUrl}/series`);
  return answers
    .map(s => ({
      uid: text(s, '0020000E'),
      modality: text(s, '00080060'),
      description: text(s, '0008103E'),
      number: Number(value(s, '00200011')) || 0,
      count: Number(value(s, '00201209')) || 0,
    }))
    .filter(s => s.uid)
    .sort((a, b) => a.number - b.number);
}

/**
 * A series as a stack: one image id per frame of each instance (by instance number), and for each image id its
 * instance's DICOM JSON and its frame number, which the loader and the key tags read.
 * @returns {{ imageIds: string[], images: Map<string, { instance: object, frame: number, frames: number }> }}
 */
export function loadStack(studyUrl, seriesUid) {
  // One metadata call a series per page (the thumbnail and the pane share it); a failed one is asked again next time.
  const key = `${studyUrl}/series/${seriesUid}`;
  if (!stacks.has(key)) {
    stacks.set(key, fetchStack(studyUrl, seriesUid).catch(error => {
      stacks.delete(key);
      throw error;
    }));
  }
  return stacks.get(key);
}

const stacks = new Map();

async function fetchStack(studyUrl, seriesUid) {
  const instances = await getJson(`${studyUrl}/series/${encodeURIComponent(seriesUid)}/metadata`);
  instances.sort((a, b) => (Number(value(a, '00200013')) || 0) - (Number(value(b, '00200013')) || 0));
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
