// Series thumbnails for the portal's pages (the approver's PACS look-up, the request page): the middle image of a series,
// decoded by Cornerstone's DICOM image loader (the viewer's decoders, so every transfer syntax the viewer shows) from the
// portal's WADO-RS and drawn into a small canvas by Cornerstone's CPU renderer (no WebGL context per thumbnail).
// attach(root) finds the canvases the page rendered ([data-thumbnail]) and fills each one once it is visible, a few at a
// time; one that cannot be shown (refused, PACS down, undecodable) says why in words in its box ([data-thumbnail-status]).
import { utilities, cache } from '@cornerstonejs/core';
import { startLoader } from './loader.js';
import { loadErrorText, ServiceError } from './service.js';
import { loadFirstImage } from './study.js';

/** How many thumbnails load at once, over all strips of the page: each may make the portal fetch an instance from the PACS. */
export const concurrency = 3;

/** A thumbnail that has not drawn within this time is given up (a PACS that accepts the association but never answers). */
const deadlineMs = 60_000;

/**
 * Draws the middle image of a series into <paramref name="canvas"/>: the image the viewer opens the series on (the
 * series' instances by Instance Number, the middle one's metadata, its frame). Throws an Error whose message is meant
 * for the user when it cannot.
 * @param {HTMLCanvasElement} canvas
 * @param {{ base: string, studyUid: string, seriesUid: string, signal?: AbortSignal }} options base: the request's DICOMweb root
 */
export async function render(canvas, { base, studyUid, seriesUid, signal }) {
  await startLoader();
  const root = new URL(base.replace(/\/+$/, ''), location.href).href;
  const first = await loadFirstImage(`${root}/studies/${encodeURIComponent(studyUid)}`, seriesUid, signal);
  if (!first) {
    throw new ServiceError(0, 'The series has no images here.');
  }
  try {
    await utilities.loadImageToCanvas({ canvas, imageId: first.imageId, useCPURendering: true });
  } catch (error) {
    throw new ServiceError(0, loadErrorText(error, false));
  } finally {
    // A page of thumbnails must not fill Cornerstone's image cache: the canvas keeps the pixels it needs.
    if (cache.getImageLoadObject(first.imageId)) {
      cache.removeImageLoadObject(first.imageId);
    }
  }
}

// One queue for the page: thumbnails load in the order they became visible, at most `concurrency` at a time.
const waiting = [];
let running = 0;

function pump() {
  while (running < concurrency && waiting.length) {
    const job = waiting.shift();
    if (!job.canvas.isConnected) {
      continue;
    }
    running++;
    job.run().finally(() => {
      running--;
      pump();
    });
  }
}

/** The element that says what became of the canvas' image: in the canvas' box ([data-thumbnail-box]), else beside it. */
function statusOf(canvas) {
  return (canvas.closest('[data-thumbnail-box]') ?? canvas.parentElement)?.querySelector('[data-thumbnail-status]');
}

/** Fills one canvas, or says why not in its status element (rendered empty by the page, written only here). */
async function fill(canvas) {
  const status = statusOf(canvas);
  canvas.dataset.state = 'loading';
  if (status) status.textContent = 'Loading image…';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  try {
    const size = Number(canvas.dataset.size) || 128;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(size * ratio);
    canvas.height = Math.round(size * ratio);
    const drawn = render(canvas, { base: canvas.dataset.base, studyUid: canvas.dataset.study, seriesUid: canvas.dataset.series, signal: controller.signal });
    await Promise.race([drawn, new Promise((_, reject) => controller.signal.addEventListener('abort', () => reject(new ServiceError(0, 'The image took too long to load.'))))]);
    // loadImageToCanvas sizes the canvas' box from its pixels and the device ratio; the page's box is what counts.
    Object.assign(canvas.style, { width: `${size}px`, height: `${size}px` });
    canvas.hidden = false;
    canvas.dataset.state = 'ready';
    if (status) status.textContent = '';
  } catch (error) {
    canvas.hidden = true;
    canvas.dataset.state = 'failed';
    const reason = error instanceof ServiceError ? error.message : 'The image could not be shown.';
    if (status) status.textContent = `No preview: ${reason}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Loads the thumbnails below <paramref name="root"/> (canvases with data-thumbnail, data-base, data-study, data-series)
 * as each comes into view. Canvases added later are found by calling refresh(). Returns { refresh, dispose }.
 * @param {HTMLElement} root
 */
export function attach(root) {
  const seen = new WeakSet();
  const observer = new IntersectionObserver(entries => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      const canvas = entry.target;
      const status = statusOf(canvas);
      if (status && !status.textContent) status.textContent = 'Waiting to load…';
      waiting.push({ canvas, run: () => fill(canvas) });
    }
    pump();
  }, { rootMargin: '200px' });
  const refresh = () => {
    for (const canvas of root.querySelectorAll('canvas[data-thumbnail]')) {
      if (seen.has(canvas)) continue;
      seen.add(canvas);
      observer.observe(canvas);
    }
  };
  refresh();
  return {
    refresh,
    dispose: () => observer.disconnect(),
  };
}

