// What the page's component imports (ViewerPage.razor): the viewer's module, once the prerendered page's first image is
// drawn or known not to be (firstImage.js viewerMayLoad), so that the module's evaluation does not hold that image.
import { viewerMayLoad } from './firstImage.js';

/** The viewer's module (viewer.js), loaded when it may be. */
export async function load() {
  await viewerMayLoad();
  return import('./viewer.js');
}
