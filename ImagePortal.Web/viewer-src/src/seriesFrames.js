// A series' frames in one streamed call: the portal's WADO-RS Series Pixel Data (`…/series/{uid}/pixeldata`, one part a
// frame, each named by its Content-Location and sized by its Content-Length), read as it arrives by a worker of its own
// (seriesFramesWorker.js, which hands them over a batch a message; in the page where no worker starts), each frame kept
// by its URL until the image loader takes it (loader.js). A stack of 300 slices is then one call instead of 300, and its frames arrive while the portal still fetches
// the series from the PACS. Started by the pane once its first image is drawn (stackPane.js), so that the stream does not
// compete with that image. A frame the stream does not bring (left out by the portal, or the stream broke) is fetched alone
// by the loader, whose answer (or refusal) the viewer shows as before.
import { readFrames } from './multipartFrames.js';

const streams = new Map();
let worker;

/** Starts reading the series' frames (once a page for each series URL); the URL is the series' absolute URL. */
export function streamSeriesFrames(seriesUrl) {
  const key = pathOf(seriesUrl);
  let stream = streams.get(key);
  if (!stream) {
    stream = { frames: new Map(), waiting: new Map(), ended: false, parts: 0 };
    streams.set(key, stream);
    const url = new URL(`${seriesUrl}/pixeldata`, location.href).href;
    if (startWorker()) {
      worker.postMessage({ key, url });
    } else {
      let byob = null;
      readFrames(url, frame => arrive(stream, frame), reading => { byob = reading.byob; }).catch(() => {}).finally(() => end(stream, byob));
    }
  }
  return stream;
}

/**
 * The frame of a wadors image id from its series' stream: undefined when no stream reads that series (the loader fetches
 * the frame alone); else a promise of { bytes, transferSyntax }, or of null when the stream ended without it. With
 * <paramref name="wait"/> false, only a frame already arrived (a frame wanted now is not held behind the stream's order).
 * A frame is given once; the stream keeps no copy of it.
 */
export function takeFrame(imageId, wait = true) {
  const path = pathOf(imageId.replace(/^wadors:/, ''));
  const at = path.indexOf('/instances/');
  const stream = at > 0 ? streams.get(path.slice(0, at)) : undefined;
  if (!stream) return undefined;
  const frame = stream.frames.get(path);
  if (frame) {
    stream.frames.delete(path);
    return Promise.resolve(frame);
  }
  if (stream.ended || !wait) return undefined;
  return new Promise(resolve => stream.waiting.set(path, resolve));
}

/** How far the stream of the series at <paramref name="seriesUrl"/> is: { frames: parts received, endedAt: when it
 * ended (performance.now(), null while under way), byob: whether its frames were read straight into their own buffers
 * (null until it ends) }, or null without one (the viewer's state, for the tests and the bench). */
export function streamProgress(seriesUrl) {
  const stream = streams.get(pathOf(seriesUrl));
  return stream ? { frames: stream.parts, endedAt: stream.endedAt ?? null, byob: stream.byob ?? null } : null;
}

function startWorker() {
  if (worker === undefined) {
    try {
      worker = new Worker(new URL('./seriesFramesWorker.js', import.meta.url), { type: 'module' });
      worker.onmessage = ({ data: { key, frames, end: ended, byob } }) => {
        const stream = streams.get(key);
        if (!stream) return;
        if (ended) end(stream, byob);
        else for (const frame of frames) arrive(stream, frame);
      };
    } catch {
      worker = null;
    }
  }
  return worker;
}

function pathOf(url) {
  return decodeURIComponent(new URL(url, location.href).pathname);
}

function arrive(stream, { location: at, transferSyntax, bytes }) {
  stream.parts++;
  const path = pathOf(at);
  const frame = { bytes, transferSyntax };
  const resolve = stream.waiting.get(path);
  if (resolve) {
    stream.waiting.delete(path);
    resolve(frame);
  } else {
    stream.frames.set(path, frame);
  }
}

function end(stream, byob) {
  stream.ended = true;
  stream.byob = byob ?? null;
  stream.endedAt = performance.now();
  for (const resolve of stream.waiting.values()) resolve(null);
  stream.waiting.clear();
}
