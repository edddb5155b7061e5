// Cornerstone3D core and the DICOM image loader, started once per page: all the thumbnails of the look-up and the request
// page need, and the viewer's base (cornerstone.js adds the tools). The decoders' files (the worker and its WebAssembly)
// sit beside the built modules, which is where import.meta.url points once bundled.
import { init as coreInit } from '@cornerstonejs/core';
import { init as loaderInit } from '@cornerstonejs/dicom-image-loader';

const here = new URL('./', import.meta.url).href;
let loading;

export function startLoader() {
  loading ??= (async () => {
    await coreInit();
    loaderInit({ maxWebWorkers: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)), wasmBasePath: here });
  })();
  return loading;
}
