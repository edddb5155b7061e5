// Cornerstone3D core, its tools and the DICOM image loader, started once per page (core and the loader in loader.js).
// The tools' own modules, not their package's index: the index brings every tool and utility (700 KB the page would parse).
import { init as toolsInit } from '@cornerstonejs/tools/dist/esm/init.js';
import { addTool } from '@cornerstonejs/tools/dist/esm/store/addTool.js';
import WindowLevelTool from '@cornerstonejs/tools/tools/WindowLevelTool';
import PanTool from '@cornerstonejs/tools/tools/PanTool';
import ZoomTool from '@cornerstonejs/tools/tools/ZoomTool';
import StackScrollTool from '@cornerstonejs/tools/tools/StackScrollTool';
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
