// The ImagePortal viewer: Cornerstone3D (core, tools, DICOM image loader) fed by the portal's DICOMweb service.
// open(element, { base, studyUid }) lists the study's series (QIDO-RS), loads one as a stack of wadors image ids whose
// metadata comes from the series' WADO-RS metadata call, and shows its middle image. The parts: service.js (calls and
// their failures), study.js (series and stacks), stackPane.js (one viewport), toolbar.js, seriesList.js.
import { RenderingEngine } from '@cornerstonejs/core';
import { ToolGroupManager } from '@cornerstonejs/tools';
import { start, tools } from './cornerstone.js';
import { el, listenerSet } from './dom.js';
import { failureText } from './service.js';
import { listSeries } from './study.js';
import { createStackPane, presets } from './stackPane.js';
import { createToolbar } from './toolbar.js';
import { createSeriesList } from './seriesList.js';

export { presets };

let counter = 0;

/**
 * Opens the viewer in <paramref name="element"/> for one study.
 * @param {HTMLElement} element where the viewer draws itself (it takes the element's whole box)
 * @param {{ base: string, studyUid: string, seriesUid?: string }} options base: the request's DICOMweb root
 *   (e.g. /dicomweb/requests/REQ-2026-0001)
 * @returns a handle: showSeries(uid), setPreset(name), invert(), reset(), scroll(delta), state(), pixels(), dispose()
 */
export async function open(element, options) {
  const base = new URL(options.base.replace(/\/+$/, ''), location.href).href;
  const id = `imageportal-viewer-${++counter}`;
  const studyUrl = `${base}/studies/${encodeURIComponent(options.studyUid)}`;
  const listeners = listenerSet();
  let disposed = false;

  element.replaceChildren();
  Object.assign(element.style, { display: 'flex', gap: '8px', minHeight: '420px', color: '#f2f5f8', background: '#11161c', padding: '8px', boxSizing: 'border-box' });

  const panes = [];
  let active = null;
  const activePane = () => active;
  const seriesList = createSeriesList({ onPick: series => showSeries(series) });
  const paneRow = el('div', { style: { flex: '1 1 auto', display: 'flex', gap: '6px', minHeight: '0' } });
  const main = el('div', { style: { flex: '1 1 auto', display: 'flex', flexDirection: 'column', gap: '6px', minWidth: '0' } }, paneRow);
  element.append(seriesList.element, main);

  try {
    await start();
  } catch (error) {
    main.append(el('div', { role: 'alert', 'data-testid': 'viewer-message' }, `The viewer could not start: ${error?.message ?? error}`));
    throw error;
  }

  const renderingEngine = new RenderingEngine(id);
  const toolGroup = ToolGroupManager.createToolGroup(id);
  for (const tool of tools) {
    toolGroup.addTool(tool.toolName);
  }
  const toolbar = createToolbar({ toolGroup, activePane });
  main.prepend(toolbar.element);

  const addPane = () => {
    const viewportId = `${id}-${panes.length}`;
    const pane = createStackPane({
      renderingEngine, viewportId, studyUrl, host: element, container: paneRow,
      onChange: () => { if (pane === active) toolbar.sync(); },
    });
    toolGroup.addViewport(viewportId, id);
    panes.push(pane);
    return pane;
  };
  active = addPane();

  const resize = new ResizeObserver(() => renderingEngine.resize(true, true));
  resize.observe(paneRow);
  listeners.add(() => resize.disconnect());

  const showSeries = async series => {
    if (disposed || !active) return;
    seriesList.mark(series.uid);
    await active.showSeries(series);
    element.dataset.loaded = series.uid;
  };

  let allSeries = [];
  try {
    allSeries = await listSeries(studyUrl);
  } catch (error) {
    active.showMessage(failureText(error, 'The study could not be listed'));
    element.dataset.failed = 'true';
  }
  seriesList.fill(allSeries);
  if (!allSeries.length && !element.dataset.failed) {
    active.showMessage('The study has no series here.');
  }

  const wanted = allSeries.find(s => s.uid === options.seriesUid) ?? allSeries[0];
  if (wanted) {
    await showSeries(wanted);
  }
  element.dataset.ready = 'true';

  const handle = {
    showSeries: uid => {
      const series = allSeries.find(s => s.uid === uid);
      return series ? showSeries(series) : Promise.resolve();
    },
    setPreset: name => active.setPreset(name),
    invert: () => active.invert(),
    reset: () => active.reset(),
    scroll: delta => active.scroll(delta),
    state: () => ({ ...active.state(), seriesCount: allSeries.length }),
    pixels: () => active.pixels(),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      listeners.removeAll();
      for (const pane of panes) pane.dispose();
      ToolGroupManager.destroyToolGroup(id);
      renderingEngine.destroy();
      element.replaceChildren();
      delete element.imagePortalViewer;
    },
  };
  // The handle on the element too, for whoever holds the element but not the promise (the page's tests).
  element.imagePortalViewer = handle;
  return handle;
}

window.imagePortalViewer = { open, presets };
