// The ImagePortal viewer: Cornerstone3D (core, tools, DICOM image loader) fed by the portal's DICOMweb service.
// open(element, { base, studyUid }) lists the study's series (QIDO-RS), loads one as a stack of wadors image ids whose
// metadata comes from the series' WADO-RS metadata call, and shows its middle image. Every fetch is same origin with
// the session cookie; the service decides what the user may see, the viewer only shows its answers (and its refusals).
import {
  init as coreInit,
  RenderingEngine,
  Enums,
  eventTarget,
  metaData,
  cache,
} from '@cornerstonejs/core';
import {
  init as toolsInit,
  addTool,
  ToolGroupManager,
  WindowLevelTool,
  PanTool,
  ZoomTool,
  StackScrollTool,
  Enums as ToolEnums,
} from '@cornerstonejs/tools';
import { init as loaderInit, wadors } from '@cornerstonejs/dicom-image-loader';

/** Window presets (width, centre) in Hounsfield units; "file" is the image's own VOI. */
export const presets = {
  brain: { label: 'Brain', width: 80, center: 40 },
  lung: { label: 'Lung', width: 1500, center: -600 },
  bone: { label: 'Bone', width: 2000, center: 300 },
  soft: { label: 'Soft tissue', width: 400, center: 40 },
};

const here = new URL('./', import.meta.url).href;
let started;
let counter = 0;

/** Cornerstone, its tools and the loader start once per page; the decoders' files sit beside this module. */
function start() {
  started ??= (async () => {
    await coreInit();
    toolsInit();
    loaderInit({ maxWebWorkers: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)), wasmBasePath: here });
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) {
      addTool(tool);
    }
  })();
  return started;
}

/** An answer of the DICOMweb service that is not 2xx, with the service's own words ({"error": "…"}) where it gave any. */
export class ServiceError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function describeStatus(status) {
  return status === 401 ? 'You are signed out; sign in again.'
    : status === 404 ? 'Not found, or not yours to view.'
    : status === 502 ? 'The PACS could not be reached.'
    : status === 504 ? 'The PACS did not answer in time.'
    : `The server answered ${status}.`;
}

function errorText(status, bodyText) {
  try {
    const parsed = JSON.parse(bodyText);
    if (parsed && typeof parsed.error === 'string' && parsed.error) {
      return parsed.error;
    }
  } catch {
    // not JSON: the status says enough
  }
  return describeStatus(status);
}

async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/dicom+json' } });
  if (!response.ok) {
    throw new ServiceError(response.status, errorText(response.status, await response.text()));
  }
  const text = await response.text();
  return text ? JSON.parse(text) : [];
}

/** Why an image could not be loaded: the service's refusal (an XMLHttpRequest from the loader) or the decoder's error. */
function loadErrorText(error) {
  const failure = error?.error ?? error;
  if (failure && typeof failure.status === 'number' && failure.status >= 400) {
    let body = '';
    try {
      body = failure.response instanceof ArrayBuffer ? new TextDecoder().decode(failure.response) : String(failure.responseText ?? '');
    } catch {
      body = '';
    }
    return errorText(failure.status, body);
  }
  if (failure && typeof failure.status === 'number' && failure.status === 0) {
    return 'The connection to the portal failed.';
  }
  const message = failure?.message ?? (typeof failure === 'string' ? failure : '');
  return message ? `The image could not be decoded: ${message}` : 'The image could not be decoded.';
}

const value = (dataset, tag) => dataset?.[tag]?.Value?.[0];
const text = (dataset, tag) => {
  const v = value(dataset, tag);
  return v === undefined || v === null ? '' : typeof v === 'object' ? (v.Alphabetic ?? '') : String(v);
};

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, v] of Object.entries(attributes)) {
    if (key === 'style') Object.assign(node.style, v);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(key, v === true ? '' : v);
  }
  node.append(...children);
  return node;
}

const buttonStyle = {
  font: 'inherit', fontSize: '13px', padding: '4px 10px', border: '1px solid #5f6b7a', borderRadius: '4px',
  background: '#26303c', color: '#f2f5f8', cursor: 'pointer',
};

/**
 * Opens the viewer in <paramref name="element"/> for one study.
 * @param {HTMLElement} element where the viewer draws itself (it takes the element's whole box)
 * @param {{ base: string, studyUid: string, seriesUid?: string }} options base: the request's DICOMweb root
 *   (e.g. /dicomweb/requests/REQ-2026-0001)
 * @returns a handle: showSeries(uid), setPreset(name), invert(), reset(), scroll(delta), state(), dispose()
 */
export async function open(element, options) {
  const base = new URL(options.base.replace(/\/+$/, ''), location.href).href;
  const studyUid = options.studyUid;
  const id = `imageportal-viewer-${++counter}`;
  const studyUrl = `${base}/studies/${encodeURIComponent(studyUid)}`;

  element.replaceChildren();
  Object.assign(element.style, { display: 'flex', gap: '8px', minHeight: '420px', color: '#f2f5f8', background: '#11161c', padding: '8px', boxSizing: 'border-box' });

  const seriesList = el('nav', { 'aria-label': 'Series', 'data-testid': 'viewer-series-list', style: { width: '220px', flex: '0 0 220px', display: 'flex', flexDirection: 'column', gap: '6px', overflowY: 'auto' } });
  const toolbar = el('div', { role: 'toolbar', 'aria-label': 'Image tools', style: { display: 'flex', flexWrap: 'wrap', gap: '6px', alignItems: 'center' } });
  const viewportElement = el('div', { 'data-testid': 'viewer-viewport', style: { width: '100%', height: '100%', position: 'absolute', inset: '0' } });
  viewportElement.addEventListener('contextmenu', e => e.preventDefault());
  const message = el('div', { role: 'alert', 'data-testid': 'viewer-message', hidden: true, style: { position: 'absolute', left: '12px', right: '12px', top: '12px', padding: '10px 12px', background: 'rgba(120,20,20,0.92)', color: '#fff', borderRadius: '4px', fontSize: '14px', zIndex: '2' } });
  const overlay = el('div', { 'data-testid': 'viewer-overlay', style: { position: 'absolute', left: '8px', bottom: '8px', fontSize: '12px', pointerEvents: 'none', textShadow: '0 0 3px #000', zIndex: '1', whiteSpace: 'pre-line' } });
  const stage = el('div', { tabindex: '0', 'aria-label': 'Image; wheel or arrow keys change the image, drag changes the window', style: { position: 'relative', flex: '1 1 auto', minHeight: '360px', background: '#000', outline: 'none' } }, viewportElement, overlay, message);
  const slider = el('input', { type: 'range', min: '1', max: '1', value: '1', 'aria-label': 'Image in series', 'data-testid': 'viewer-slider', disabled: true, style: { flex: '1 1 auto' } });
  const sliceLabel = el('span', { 'data-testid': 'viewer-slice', 'aria-live': 'polite', style: { minWidth: '110px', fontSize: '13px' } }, '');
  const main = el('div', { style: { flex: '1 1 auto', display: 'flex', flexDirection: 'column', gap: '6px', minWidth: '0' } },
    toolbar, stage, el('div', { style: { display: 'flex', gap: '8px', alignItems: 'center' } }, sliceLabel, slider));
  element.append(seriesList, main);

  const showMessage = textValue => {
    message.textContent = textValue;
    message.hidden = !textValue;
  };

  let viewport;
  let renderingEngine;
  let toolGroup;
  let imageIds = [];
  let current = { series: null, index: 0, preset: 'file', inverted: false };
  let disposed = false;
  const listeners = [];
  const listen = (target, type, handler) => {
    target.addEventListener(type, handler);
    listeners.push(() => target.removeEventListener(type, handler));
  };

  try {
    await start();
  } catch (error) {
    showMessage(`The viewer could not start: ${error?.message ?? error}`);
    throw error;
  }

  renderingEngine = new RenderingEngine(id);
  renderingEngine.enableElement({ viewportId: id, type: Enums.ViewportType.STACK, element: viewportElement, defaultOptions: { background: [0, 0, 0] } });
  viewport = renderingEngine.getViewport(id);

  toolGroup = ToolGroupManager.createToolGroup(id);
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) {
    toolGroup.addTool(tool.toolName);
  }
  toolGroup.addViewport(id, id);
  const { MouseBindings } = ToolEnums;
  const primaryTools = { level: WindowLevelTool.toolName, zoom: ZoomTool.toolName, pan: PanTool.toolName };
  const setPrimary = mode => {
    for (const [key, name] of Object.entries(primaryTools)) {
      const bindings = [];
      if (key === mode) bindings.push({ mouseButton: MouseBindings.Primary });
      if (key === 'zoom') bindings.push({ mouseButton: MouseBindings.Secondary });
      if (key === 'pan') bindings.push({ mouseButton: MouseBindings.Auxiliary });
      toolGroup.setToolActive(name, { bindings });
    }
    for (const button of toolbar.querySelectorAll('[data-mode]')) {
      button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
    }
  };
  toolGroup.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });

  const render = () => viewport.render();

  const updateSlice = () => {
    const index = viewport.getCurrentImageIdIndex();
    current.index = index;
    slider.value = String(index + 1);
    sliceLabel.textContent = imageIds.length ? `Image ${index + 1} / ${imageIds.length}` : '';
    const properties = viewport.getProperties?.() ?? {};
    const range = properties.voiRange;
    const windowText = range ? `W ${Math.round(range.upper - range.lower)} L ${Math.round((range.upper + range.lower) / 2)}` : '';
    const seriesText = current.series ? `${current.series.modality} ${current.series.description}`.trim() : '';
    overlay.textContent = [seriesText, windowText].filter(Boolean).join('\n');
    element.dataset.sliceIndex = String(index);
  };

  const scroll = async delta => {
    if (!imageIds.length) return;
    const next = Math.min(imageIds.length - 1, Math.max(0, viewport.getCurrentImageIdIndex() + delta));
    await goTo(next);
  };

  const goTo = async index => {
    try {
      await viewport.setImageIdIndex(index);
    } catch (error) {
      showMessage(`Image ${index + 1}: ${loadErrorText(error)}`);
      current.index = index;
      slider.value = String(index + 1);
      sliceLabel.textContent = `Image ${index + 1} / ${imageIds.length}`;
    }
  };

  const ownVoi = () => {
    const imageId = imageIds[viewport.getCurrentImageIdIndex()];
    const voi = imageId && metaData.get('voiLutModule', imageId);
    const width = Array.isArray(voi?.windowWidth) ? voi.windowWidth[0] : voi?.windowWidth;
    const center = Array.isArray(voi?.windowCenter) ? voi.windowCenter[0] : voi?.windowCenter;
    return typeof width === 'number' && typeof center === 'number' && width > 0 ? { width, center } : null;
  };

  const setPreset = name => {
    if (!viewport || !imageIds.length) return;
    const preset = name === 'file' ? ownVoi() : presets[name];
    if (preset) {
      viewport.setProperties({ voiRange: { lower: preset.center - preset.width / 2, upper: preset.center + preset.width / 2 } });
    } else {
      // No VOI in the file: the loader's own choice from the pixel values.
      viewport.resetProperties();
      viewport.setProperties({ invert: current.inverted });
    }
    current.preset = name;
    for (const button of toolbar.querySelectorAll('[data-preset]')) {
      button.setAttribute('aria-pressed', String(button.dataset.preset === name));
    }
    render();
    updateSlice();
  };

  const invert = () => {
    current.inverted = !current.inverted;
    viewport.setProperties({ invert: current.inverted });
    render();
    invertButton.setAttribute('aria-pressed', String(current.inverted));
  };

  const reset = () => {
    viewport.resetCamera();
    current.inverted = false;
    invertButton.setAttribute('aria-pressed', 'false');
    setPreset('file');
  };

  for (const [mode, label] of [['level', 'Window'], ['zoom', 'Zoom'], ['pan', 'Pan']]) {
    toolbar.append(el('button', { type: 'button', 'data-mode': mode, 'aria-pressed': 'false', title: `Left drag: ${label.toLowerCase()}`, style: buttonStyle, onclick: () => setPrimary(mode) }, label));
  }
  toolbar.append(el('span', { style: { width: '10px' } }));
  toolbar.append(el('button', { type: 'button', 'data-preset': 'file', 'aria-pressed': 'true', style: buttonStyle, onclick: () => setPreset('file') }, 'Image VOI'));
  for (const [name, preset] of Object.entries(presets)) {
    toolbar.append(el('button', { type: 'button', 'data-preset': name, 'aria-pressed': 'false', title: `W ${preset.width} L ${preset.center}`, style: buttonStyle, onclick: () => setPreset(name) }, preset.label));
  }
  const invertButton = el('button', { type: 'button', 'data-action': 'invert', 'aria-pressed': 'false', style: buttonStyle, onclick: invert }, 'Invert');
  toolbar.append(el('span', { style: { width: '10px' } }), invertButton,
    el('button', { type: 'button', 'data-action': 'reset', style: buttonStyle, onclick: reset }, 'Reset'));
  setPrimary('level');

  listen(slider, 'input', () => goTo(Number(slider.value) - 1));
  listen(stage, 'keydown', event => {
    const steps = { ArrowDown: 1, ArrowRight: 1, PageDown: 10, ArrowUp: -1, ArrowLeft: -1, PageUp: -10 };
    if (event.key in steps) {
      event.preventDefault();
      scroll(steps[event.key]);
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      goTo(event.key === 'Home' ? 0 : imageIds.length - 1);
    }
  });
  listen(viewportElement, 'mousedown', () => stage.focus({ preventScroll: true }));
  listen(viewportElement, Enums.Events.STACK_NEW_IMAGE, () => {
    showMessage('');
    updateSlice();
  });
  listen(viewportElement, Enums.Events.VOI_MODIFIED, updateSlice);
  listen(eventTarget, Enums.Events.IMAGE_LOAD_FAILED, event => {
    const failed = event.detail?.imageId;
    const index = imageIds.indexOf(failed);
    if (index >= 0 && index === current.index) {
      showMessage(`Image ${index + 1}: ${loadErrorText(event.detail?.error)}`);
    }
  });
  const resize = new ResizeObserver(() => renderingEngine?.resize(true, true));
  resize.observe(stage);
  listeners.push(() => resize.disconnect());

  const showSeries = async series => {
    if (disposed) return;
    current.series = series;
    for (const button of seriesList.querySelectorAll('[data-series]')) {
      button.setAttribute('aria-current', String(button.dataset.series === series.uid));
    }
    showMessage('');
    sliceLabel.textContent = 'Loading…';
    slider.disabled = true;
    let instances;
    try {
      instances = await getJson(`${studyUrl}/series/${encodeURIComponent(series.uid)}/metadata`);
    } catch (error) {
      sliceLabel.textContent = '';
      showMessage(error instanceof ServiceError ? error.message : `The series could not be loaded: ${error?.message ?? error}`);
      return;
    }
    instances.sort((a, b) => (Number(value(a, '00200013')) || 0) - (Number(value(b, '00200013')) || 0));
    imageIds = [];
    for (const instance of instances) {
      const sop = value(instance, '00080018');
      if (!sop) continue;
      const frames = Math.max(1, Number(value(instance, '00280008')) || 1);
      const instanceUrl = `wadors:${studyUrl}/series/${encodeURIComponent(series.uid)}/instances/${encodeURIComponent(sop)}/frames/`;
      // The loader keys a multi-frame instance's metadata on frame 1 and derives the others from it.
      wadors.metaDataManager.add(`${instanceUrl}1`, instance);
      for (let frame = 1; frame <= frames; frame++) {
        imageIds.push(`${instanceUrl}${frame}`);
      }
    }
    if (!imageIds.length) {
      sliceLabel.textContent = '';
      showMessage('The series has no images.');
      return;
    }
    slider.max = String(imageIds.length);
    slider.disabled = imageIds.length < 2;
    const middle = Math.floor(imageIds.length / 2);
    current.index = middle;
    try {
      await viewport.setStack(imageIds, middle);
      viewport.resetCamera();
      current.inverted = false;
      invertButton.setAttribute('aria-pressed', 'false');
      setPreset('file');
    } catch (error) {
      showMessage(`Image ${middle + 1}: ${loadErrorText(error)}`);
    }
    updateSlice();
    sliceLabel.textContent = `Image ${current.index + 1} / ${imageIds.length}`;
    element.dataset.loaded = series.uid;
  };

  let seriesAnswers = [];
  try {
    seriesAnswers = await getJson(`${studyUrl}/series`);
  } catch (error) {
    showMessage(error instanceof ServiceError ? error.message : `The study could not be listed: ${error?.message ?? error}`);
    element.dataset.failed = 'true';
  }
  const allSeries = seriesAnswers
    .map(s => ({
      uid: text(s, '0020000E'),
      modality: text(s, '00080060'),
      description: text(s, '0008103E'),
      number: Number(value(s, '00200011')) || 0,
      count: Number(value(s, '00201209')) || 0,
    }))
    .filter(s => s.uid)
    .sort((a, b) => a.number - b.number);
  for (const series of allSeries) {
    const count = series.count ? `${series.count} image${series.count === 1 ? '' : 's'}` : '';
    seriesList.append(el('button', {
      type: 'button', 'data-series': series.uid, 'data-testid': 'viewer-series', 'aria-current': 'false',
      style: { ...buttonStyle, textAlign: 'left', padding: '8px', lineHeight: '1.35' },
      onclick: () => showSeries(series),
    }, el('strong', {}, `${series.modality || '?'} ${series.number ? `#${series.number}` : ''}`.trim()), el('br'),
      series.description || '(no description)', el('br'), el('small', {}, count)));
  }
  if (!allSeries.length && !element.dataset.failed) {
    showMessage('The study has no series here.');
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
    setPreset,
    invert,
    reset,
    scroll,
    state: () => ({ ...current, series: current.series?.uid ?? null, count: imageIds.length, seriesCount: allSeries.length }),
    /** The decoded values of the image shown (after the modality LUT), to compare with another decoder's. */
    pixels: () => {
      const image = cache.getImage(viewport.getCurrentImageId());
      return image ? { rows: image.rows, columns: image.columns, values: Array.from(image.getPixelData()) } : null;
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const remove of listeners) remove();
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
