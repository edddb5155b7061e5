// The ImagePortal viewer: Cornerstone3D (core, tools, DICOM image loader) fed by the portal's DICOMweb service.
// open(element, { base, studyUid }) lists the study's series (QIDO-RS), loads one as a stack of wadors image ids whose
// metadata comes from the series' WADO-RS metadata call, and shows its middle image. The parts: service.js (calls and
// their failures), study.js (series and stacks), stackPane.js (one viewport), toolbar.js, seriesList.js.
import { RenderingEngine } from '@cornerstonejs/core';
import * as ToolGroupManager from '@cornerstonejs/tools/dist/esm/store/ToolGroupManager/index.js';
import { start, tools } from './cornerstone.js';
import { renderingBackend } from './loader.js';
import { el, listenerSet } from './dom.js';
import { failureText } from './service.js';
import { listSeries } from './study.js';
import { createStackPane } from './stackPane.js';
import { presets } from './presets.js';
import { createToolbar } from './toolbar.js';
import { createSeriesList } from './seriesList.js';
import { layout } from './layout.js';
import { placeEarly, endEarly } from './firstImage.js';
import { toolbarView } from './toolbarView.js';

export { presets };

/** Cornerstone, its tools and its decoders started ahead of open(), for a page that opens the viewer later. */
export const prepare = start;

export { openEarly, adopt } from './earlyViewer.js';

let counter = 0;

/**
 * Opens the viewer in <paramref name="element"/> for one study.
 * @param {HTMLElement} element where the viewer draws itself (it takes the element's whole box)
 * @param {{ base: string, studyUid: string, seriesUid?: string }} options base: the request's DICOMweb root
 *   (e.g. /dicomweb/requests/REQ-2026-0001)
 * @returns a handle: showSeries(uid), setPreset(name), invert(), reset(), scroll(delta), state(), pixels(), dispose()
 */
export async function open(element, options, placed = {}) {
  const base = new URL(options.base.replace(/\/+$/, ''), location.href).href;
  const id = `imageportal-viewer-${++counter}`;
  const studyUrl = `${base}/studies/${encodeURIComponent(options.studyUid)}`;
  const listeners = listenerSet();
  let disposed = false;
  let renderingEngine = null;
  let handle = null;

  // The viewer draws in a root of its own inside the host element, so that it can move to another host with its canvas
  // and state whole (moveTo: the prerendered page's viewer taken into the element the live connection renders). What the
  // page's tests and benchmark read (the handle, data-ready, data-loaded, data-layout, data-slice-index) is on the host.
  let host = element;
  const hostRef = { get dataset() { return host.dataset; } };
  const root = el('div', { 'data-testid': 'viewer-root', style: layout.root });
  placed.moveTo = target => {
    if (disposed || target === host) return;
    for (const key of ['loaded', 'failed', 'ready', 'layout', 'sliceIndex']) {
      if (host.dataset[key] !== undefined) target.dataset[key] = host.dataset[key];
    }
    delete host.imagePortalViewer;
    host = target;
    target.replaceChildren(root);
    if (handle) target.imagePortalViewer = handle;
  };
  placed.host = () => host;
  placed.disposed = () => disposed;
  const panes = [];
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    endEarly();
    listeners.removeAll();
    for (const pane of panes) pane.dispose();
    if (renderingEngine) {
      ToolGroupManager.destroyToolGroup(id);
      renderingEngine.destroy();
    }
    host.replaceChildren();
    delete host.imagePortalViewer;
  };
  placed.dispose = dispose;

  let active = null;
  const activePane = () => active;
  const seriesList = createSeriesList({ onPick: series => showSeries(series) });
  // Until Cornerstone has started: a pane's boxes without its viewport, where the first image may be drawn already
  // (firstImage.js, by early.js), in the same place as in the pane that replaces it.
  const placeholderStage = el('div', { style: layout.stage });
  const placeholder = el('div', { style: layout.pane }, placeholderStage, el('div', { style: layout.footer }));
  const paneRow = el('div', { style: layout.paneRow }, placeholder);
  const toolbarSlot = toolbarView();
  const main = el('div', { style: layout.main }, toolbarSlot, paneRow);
  root.append(seriesList.element, main);
  placeEarly(placeholderStage);
  element.replaceChildren(root);

  // The study's series are asked for while Cornerstone starts (or taken from early.js, which asked already).
  const listing = listSeries(studyUrl);
  listing.catch(() => {});
  try {
    await start();
  } catch (error) {
    main.append(el('div', { role: 'alert', 'data-testid': 'viewer-message' }, `The viewer could not start: ${error?.message ?? error}`));
    throw error;
  }
  if (disposed) throw new Error('The viewer was closed.');

  root.dataset.rendering = renderingBackend();
  renderingEngine = new RenderingEngine(id);
  const toolGroup = ToolGroupManager.createToolGroup(id);
  for (const tool of tools) {
    toolGroup.addTool(tool.toolName);
  }
  let tagsShown = false;
  const toolbar = createToolbar({ toolGroup, activePane, onLayout: count => setLayout(count), onTags: () => {
    tagsShown = !tagsShown;
    toolbar.element.querySelector('[data-action=tags]').setAttribute('aria-pressed', String(tagsShown));
    for (const pane of panes) pane.showTags(tagsShown);
  } });
  toolbarSlot.replaceWith(toolbar.element);

  // The pane the toolbar and the series list act on: the one last clicked into, outlined when there are two.
  const activate = pane => {
    active = pane;
    for (const p of panes) {
      p.element.dataset.active = String(p === pane);
      p.element.style.outline = panes.length > 1 && p === pane && p.element.style.display !== 'none' ? '2px solid #4f9cf9' : 'none';
    }
    seriesList.mark(pane.state().series);
    toolbar.sync();
  };

  const addPane = () => {
    const viewportId = `${id}-${panes.length}`;
    const pane = createStackPane({
      renderingEngine, viewportId, studyUrl, host: hostRef, container: paneRow,
      onChange: () => { if (pane === active) toolbar.sync(); },
    });
    toolGroup.addViewport(viewportId, id);
    pane.element.dataset.pane = String(panes.length);
    pane.showTags(tagsShown);
    listeners.listen(pane.element, 'mousedown', () => { if (pane !== active) activate(pane); }, true);
    panes.push(pane);
    return pane;
  };
  placeholder.remove();
  active = addPane();
  placeEarly(active.stage);

  /** 1 or 2 panes side by side (prior and current); the second keeps its series while hidden. */
  const setLayout = count => {
    if (count > 1 && panes.length < 2) {
      const second = addPane();
      second.showMessage('');
      second.hint('Click here, then choose a series from the list.');
    }
    panes.forEach((pane, i) => { pane.element.style.display = i < count ? 'flex' : 'none'; });
    for (const b of toolbar.element.querySelectorAll('[data-layout]')) b.setAttribute('aria-pressed', String(Number(b.dataset.layout) === count));
    host.dataset.layout = String(count);
    activate(count > 1 && panes[1] && !panes[1].state().series ? panes[1] : panes[0]);
    renderingEngine.resize(true, true);
  };

  // Not while the viewer is out of the page (between two hosts): its canvas would be sized to nothing. Nor when the size
  // has not changed (the observer's first call): resizing clears the canvas, which may just have drawn the first image,
  // and it stayed black until the next render (on a busy page, a few hundred milliseconds).
  let rowSize = `${paneRow.clientWidth}x${paneRow.clientHeight}`;
  const resize = new ResizeObserver(() => {
    const size = `${paneRow.clientWidth}x${paneRow.clientHeight}`;
    if (!paneRow.isConnected || size === rowSize) return;
    rowSize = size;
    renderingEngine.resize(true, true);
  });
  resize.observe(paneRow);
  listeners.add(() => resize.disconnect());

  const showSeries = async series => {
    if (disposed || !active) return;
    seriesList.mark(series.uid);
    await active.showSeries(series);
    host.dataset.loaded = series.uid;
  };

  let allSeries = [];
  try {
    allSeries = await listing;
  } catch (error) {
    active.showMessage(failureText(error, 'The study could not be listed'));
    host.dataset.failed = 'true';
  }
  seriesList.fill(allSeries);
  if (!allSeries.length && !host.dataset.failed) {
    active.showMessage('The study has no series here.');
  }

  const wanted = allSeries.find(s => s.uid === options.seriesUid) ?? allSeries[0];
  if (wanted) {
    await showSeries(wanted);
  }
  host.dataset.ready = 'true';
  seriesList.drawThumbnails(studyUrl, allSeries, () => !disposed);

  handle = {
    showSeries: uid => {
      const series = allSeries.find(s => s.uid === uid);
      return series ? showSeries(series) : Promise.resolve();
    },
    setPreset: name => active.setPreset(name),
    setLayout,
    activate: index => panes[index] && activate(panes[index]),
    panes: () => panes.map(p => p.state()),
    invert: () => active.invert(),
    reset: () => active.reset(),
    scroll: delta => active.scroll(delta),
    state: () => ({ ...active.state(), seriesCount: allSeries.length }),
    displayed: (points, index) => (index === undefined ? active : panes[index])?.displayed(points) ?? null,
    pixels: (index) => (index === undefined ? active : panes[index])?.pixels() ?? null,
    dispose,
  };
  // The handle on the element too, for whoever holds the element but not the promise (the page's tests).
  host.imagePortalViewer = handle;
  return handle;
}

