// Cornerstone3D core and the DICOM image loader, started once per page: all the thumbnails of the look-up and the request
// page need, and the viewer's base (cornerstone.js adds the tools). The decoders' files (the worker and its WebAssembly)
// sit beside the built modules, which is where import.meta.url points once bundled.
import { init as coreInit, imageLoader, imageLoadPoolManager, Enums, getRenderingCapabilities, getShouldUseCPURendering, setUseCPURendering } from '@cornerstonejs/core';
import { init as loaderInit, wadors, createImage } from '@cornerstonejs/dicom-image-loader';
import { takeFrame } from './seriesFrames.js';
import { takeFirstFrame } from './firstImage.js';

const here = new URL('./', import.meta.url).href;
let loading;

export function startLoader() {
  loading ??= (async () => {
    await coreInit();
    // A workstation without a GPU, where the browser emulates WebGL in software (SwiftShader, llvmpipe): Cornerstone's CPU
    // rendering draws a 2D stack itself, without a first WebGL render in the emulator (about 0.5 s on two cores).
    const wanted = renderingWanted();
    if (wanted === 'cpu' || (wanted !== 'gpu' && getRenderingCapabilities().softwareRasterizer)) setUseCPURendering(true);
    loaderInit({ maxWebWorkers: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)), wasmBasePath: here });
    imageLoader.registerImageLoader('wadors', loadImage);
    // The stack's prefetch decodes frames that are already in the page (seriesFrames.js): more than the five at a time
    // that suit one network call each keep the decoding workers busy.
    imageLoadPoolManager.setMaxSimultaneousRequests(Enums.RequestType.Prefetch, 32);
  })();
  return loading;
}

/**
 * How Cornerstone draws on this page once started: 'cpu' (its own rendering, where WebGL is emulated in software or
 * missing) or 'gpu' (WebGL).
 */
export function renderingBackend() {
  return getShouldUseCPURendering() ? 'cpu' : 'gpu';
}

/** A workstation's choice of rendering ('cpu' or 'gpu', in localStorage 'imageportal.viewer.rendering'), or null: the viewer's. */
function renderingWanted() {
  try {
    const wanted = window.localStorage?.getItem('imageportal.viewer.rendering');
    return wanted === 'cpu' || wanted === 'gpu' ? wanted : null;
  } catch {
    return null;
  }
}

/**
 * The loader's wadors images, with the frame taken from the first image's own call (firstImage.js) or from its series'
 * stream where one reads it (seriesFrames.js): the prefetch waits for the stream; an image wanted now (the first one, a scroll) takes the frame only if it has arrived.
 * Any other frame (no stream, or the stream ended without it) is fetched alone as before. A frame that does not decode
 * fails as it would from its own call.
 */
function loadImage(imageId, options = {}) {
  // The first image's frame, fetched already (firstImage.js), before any from the stream.
  const frame = takeFirstFrame(imageId.replace(/^wadors:/, '')) ?? takeFrame(imageId, options.requestType === Enums.RequestType.Prefetch);
  if (!frame) return wadors.loadImage(imageId, options);
  return {
    promise: frame.then(found => (found ? decode(imageId, found, options) : wadors.loadImage(imageId, options).promise)),
    cancelFn: undefined,
  };
}

async function decode(imageId, { bytes, transferSyntax }, options) {
  const start = Date.now();
  const image = await createImage(imageId, bytes, transferSyntax, options);
  image.imageQualityStatus = Enums.ImageQualityStatus.FULL_RESOLUTION;
  image.transferSyntaxUID = transferSyntax;
  image.loadTimeInMS = Date.now() - start;
  return image;
}
