// Cornerstone3D core, its tools and the DICOM image loader, started once per page (core and the loader in loader.js).
import { init as toolsInit, addTool, WindowLevelTool, PanTool, ZoomTool, StackScrollTool } from '@cornerstonejs/tools';
import { startLoader } from './loader.js';

/** The tools every viewport of the viewer has. */
export const tools = [WindowLevelTool, PanTool, ZoomTool, StackScrollTool];

let started;

/** Everything the viewer needs: core, the loader and the viewports' tools. */
export function start() {
  started ??= (async () => {
    await startLoader();
    toolsInit();
    for (const tool of tools) {
      addTool(tool);
    }
  })();
  return started;
}
