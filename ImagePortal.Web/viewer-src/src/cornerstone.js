// Cornerstone3D core, its tools and the DICOM image loader, started once per page; the decoders' files (the worker and
// its WebAssembly) sit beside the built viewer.js, which is where import.meta.url points once bundled.
import { init as coreInit } from '@cornerstonejs/core';
import { init as toolsInit, addTool, WindowLevelTool, PanTool, ZoomTool, StackScrollTool } from '@cornerstonejs/tools';
import { init as loaderInit } from '@cornerstonejs/dicom-image-loader';

/** The tools every viewport of the viewer has. */
export const tools = [WindowLevelTool, PanTool, ZoomTool, StackScrollTool];

const here = new URL('./', import.meta.url).href;
let started;

export function start() {
  started ??= (async () => {
    await coreInit();
    toolsInit();
    loaderInit({ maxWebWorkers: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)), wasmBasePath: here });
    for (const tool of tools) {
      addTool(tool);
    }
  })();
  return started;
}
