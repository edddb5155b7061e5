// One image pane: a Cornerstone stack viewport with its overlay, its message (what went wrong, in the viewport), the
// slice label and slider under it, and the keys that scroll it. A pane shows one series; its window, inversion and
// position are its own.
import { Enums, eventTarget, metaData, cache, utilities as csUtils } from '@cornerstonejs/core';
import { el, listenerSet } from './dom.js';
import { failureText, loadErrorText } from './service.js';
import { loadStack, loadFirstImage, decodeAhead } from './study.js';
import { streamProgress, streamSeriesFrames } from './seriesFrames.js';
import { createCineControls } from './cine.js';
import { createKeyTagsPanel } from './keyTags.js';
import { layout } from './layout.js';
import { presets } from './presets.js';
import { fetchFirstFrame, endEarly } from './firstImage.js';
import { stackPrefetch } from '@cornerstonejs/tools/utilities/stackPrefetch/index';

/** After the browser has drawn the next frame (the image just set on the canvas); a hidden page draws none, so at most
 * a quarter of a second. */
const nextFrame = () => new Promise(resolve => {
  requestAnimationFrame(() => setTimeout(resolve, 0));
  setTimeout(resolve, 250);
});

export { presets };

/**
 * Makes a pane in <paramref name="container"/> and enables its viewport on <paramref name="renderingEngine"/> under
 * <paramref name="viewportId"/> (the element must be in the page first: Cornerstone sizes its canvas from it).
 * onChange() is called when what the toolbar shows of the pane (preset, inversion) or the image changes.
 */
export function createStackPane({ renderingEngine, viewportId, studyUrl, host, container, onChange = () => {} }) {
  const listeners = listenerSet();
  const viewportElement = el('div', { 'data-testid': 'viewer-viewport', style: { width: '100%', height: '100%', position: 'absolute', inset: '0' } });
  viewportElement.addEventListener('contextmenu', e => e.preventDefault());
  const message = el('div', { role: 'alert', 'data-testid': 'viewer-message', hidden: true, style: { position: 'absolute', left: '12px', right: '12px', top: '12px', padding: '10px 12px', background: 'rgba(120,20,20,0.92)', color: '#fff', borderRadius: '4px', fontSize: '14px', zIndex: '2' } });
  const overlay = el('div', { 'data-testid': 'viewer-overlay', style: { position: 'absolute', left: '8px', bottom: '8px', fontSize: '12px', pointerEvents: 'none', textShadow: '0 0 3px #000', zIndex: '1', whiteSpace: 'pre-line' } });
  const tags = createKeyTagsPanel();
  const hint = el('div', { 'data-testid': 'viewer-hint', hidden: true, style: { position: 'absolute', inset: '0', alignContent: 'center', textAlign: 'center', color: '#aab4c0', fontSize: '14px', pointerEvents: 'none' } });
  const stage = el('div', { tabindex: '0', 'aria-label': 'Image; wheel or arrow keys change the image, drag changes the window', style: layout.stage }, viewportElement, overlay, hint, tags.element, message);
  const slider = el('input', { type: 'range', min: '1', max: '1', value: '1', 'aria-label': 'Image in series', 'data-testid': 'viewer-slider', disabled: true, style: { flex: '1 1 auto' } });
  const sliceLabel = el('span', { 'data-testid': 'viewer-slice', 'aria-live': 'polite', style: { minWidth: '110px', fontSize: '13px' } }, '');
  const cine = createCineControls(viewportElement);
  const footer = el('div', { style: layout.footer }, sliceLabel, slider, cine.element);
  const element = el('div', { 'data-testid': 'viewer-pane', style: layout.pane }, stage, footer);

  container.append(element);
  renderingEngine.enableElement({ viewportId, type: Enums.ViewportType.STACK, element: viewportElement, defaultOptions: { background: [0, 0, 0] } });
  const viewport = renderingEngine.getViewport(viewportId);

  let imageIds = [];
  let images = new Map();
  const current = { series: null, index: 0, preset: 'file', inverted: false };

  const showMessage = words => {
    message.textContent = words;
    message.hidden = !words;
  };

  const render = () => viewport.render();

  // While only the first image is loaded (its stack of one), the label says where it is in the whole series.
  let provisional = null;

  const updateSlice = () => {
    const index = provisional?.index ?? viewport.getCurrentImageIdIndex();
    current.index = index;
    slider.value = String(index + 1);
    const count = provisional?.count ?? imageIds.length;
    sliceLabel.textContent = count ? `Image ${index + 1} / ${count}` : '';
    const range = viewport.getProperties?.()?.voiRange;
    const windowText = range ? `W ${Math.round(range.upper - range.lower)} L ${Math.round((range.upper + range.lower) / 2)}` : '';
    const seriesText = current.series ? `${current.series.modality} ${current.series.description}`.trim() : '';
    overlay.textContent = [seriesText, windowText].filter(Boolean).join('\n');
    tags.update(currentImage(), range);
    host.dataset.sliceIndex = String(index);
    element.dataset.sliceIndex = String(index);
    onChange();
  };

  const goTo = async index => {
    if (provisional) return;
    try {
      await viewport.setImageIdIndex(index);
    } catch (error) {
      showMessage(`Image ${index + 1}: ${loadErrorText(error)}`);
      current.index = index;
      slider.value = String(index + 1);
      sliceLabel.textContent = `Image ${index + 1} / ${imageIds.length}`;
    }
  };

  const scroll = async delta => {
    if (!imageIds.length) return;
    await goTo(Math.min(imageIds.length - 1, Math.max(0, viewport.getCurrentImageIdIndex() + delta)));
  };

  const ownVoi = () => {
    const imageId = imageIds[viewport.getCurrentImageIdIndex()];
    const voi = imageId && metaData.get('voiLutModule', imageId);
    const width = Array.isArray(voi?.windowWidth) ? voi.windowWidth[0] : voi?.windowWidth;
    const center = Array.isArray(voi?.windowCenter) ? voi.windowCenter[0] : voi?.windowCenter;
    return typeof width === 'number' && typeof center === 'number' && width > 0 ? { width, center } : null;
  };

  // MONOCHROME1 shows inverted (the viewport's initial inversion); the user's Invert is relative to that.
  const shownInverted = () => {
    const imageId = imageIds[viewport.getCurrentImageIdIndex()];
    const monochrome1 = imageId && metaData.get('imagePixelModule', imageId)?.photometricInterpretation === 'MONOCHROME1';
    return Boolean(monochrome1) !== current.inverted;
  };

  const currentImage = () => {
    const imageId = imageIds[viewport.getCurrentImageIdIndex()];
    return imageId ? { imageId, ...images.get(imageId), image: cache.getImage(imageId) } : undefined;
  };

  // The loader's own range (after the modality LUT) for an image without a VOI of its own.
  const imageRange = () => {
    const image = cache.getImage(viewport.getCurrentImageId());
    return image && image.maxPixelValue > image.minPixelValue ? { lower: image.minPixelValue, upper: image.maxPixelValue } : null;
  };

  // Not viewport.resetProperties(): it restores the transfer function as it was before a MONOCHROME1 image's inversion
  // while the viewport still says inverted, so MONOCHROME1 showed the wrong way round and Invert did nothing.
  const setPreset = name => {
    if (!imageIds.length) return;
    const preset = name === 'file' ? ownVoi() : presets[name];
    const voiRange = preset ? { lower: preset.center - preset.width / 2, upper: preset.center + preset.width / 2 } : imageRange();
    viewport.setProperties({ ...(voiRange ? { voiRange } : {}), invert: shownInverted() });
    current.preset = name;
    render();
    updateSlice();
  };

  const invert = () => {
    current.inverted = !current.inverted;
    viewport.setProperties({ invert: shownInverted() });
    render();
    onChange();
  };

  const reset = () => {
    viewport.resetCamera();
    current.inverted = false;
    setPreset('file');
  };

  listeners.listen(slider, 'input', () => goTo(Number(slider.value) - 1));
  listeners.listen(stage, 'keydown', event => {
    const steps = { ArrowDown: 1, ArrowRight: 1, PageDown: 10, ArrowUp: -1, ArrowLeft: -1, PageUp: -10 };
    if (event.key in steps) {
      event.preventDefault();
      scroll(steps[event.key]);
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      goTo(event.key === 'Home' ? 0 : imageIds.length - 1);
    }
  });
  listeners.listen(viewportElement, 'mousedown', () => stage.focus({ preventScroll: true }));
  listeners.listen(viewportElement, Enums.Events.STACK_NEW_IMAGE, () => {
    showMessage('');
    updateSlice();
  });
  listeners.listen(viewportElement, Enums.Events.VOI_MODIFIED, updateSlice);
  listeners.listen(eventTarget, Enums.Events.IMAGE_LOAD_FAILED, event => {
    const index = imageIds.indexOf(event.detail?.imageId);
    if (index >= 0 && index === current.index) {
      showMessage(`Image ${index + 1}: ${loadErrorText(event.detail?.error)}`);
    }
  });

  let showing = 0;

  /** A copy of the canvas as it is now, over it (under the overlay and messages); the caller removes it. */
  const coverCanvas = () => {
    const shown = viewport.getCanvas();
    const copy = el('canvas', { 'aria-hidden': 'true', style: { position: 'absolute', inset: '0', width: '100%', height: '100%', pointerEvents: 'none' } });
    copy.width = shown.width;
    copy.height = shown.height;
    copy.getContext('2d').drawImage(shown, 0, 0);
    viewportElement.after(copy);
    return copy;
  };

  /**
   * Loads <paramref name="series"/> ({ uid, modality, description }) and shows its middle image in the file's own window:
   * first from that image's own metadata (a stack of one, while the portal still fetches the rest of the series from the
   * PACS), then as the whole stack, on the same image with the same window, zoom and inversion.
   */
  const showSeries = async series => {
    const mine = ++showing;
    current.series = series;
    cine.offer(false);
    hint.hidden = true;
    showMessage('');
    sliceLabel.textContent = 'Loading…';
    slider.disabled = true;
    let first = null;
    try {
      first = await loadFirstImage(studyUrl, series.uid);
    } catch {
      // The whole series' call below says what is wrong.
    }
    const whole = loadStack(studyUrl, series.uid);
    whole.catch(() => {});
    // The series' frames in one streamed call, once the first image's own frame has come (the call early.js made, or
    // this one; or it failed, or the image is decoded already): never ahead of it, and without waiting for Cornerstone.
    const seriesUrl = `${studyUrl}/series/${encodeURIComponent(series.uid)}`;
    const firstFrame = first && !cache.getImage(first.imageId) ? fetchFirstFrame(first.imageId.replace(/^wadors:/, '')) : Promise.resolve();
    firstFrame.catch(() => {}).then(() => { if (mine === showing) streamSeriesFrames(seriesUrl); });
    let shownFirst = false;
    if (first && mine === showing) {
      imageIds = [first.imageId];
      images = new Map([[first.imageId, first.image]]);
      provisional = { index: first.index, count: first.count };
      try {
        await viewport.setStack(imageIds, 0);
        viewport.resetCamera();
        current.inverted = false;
        setPreset('file');
        shownFirst = true;
        // The first image as the early script drew it (firstImage.js) goes once Cornerstone has drawn it: in the same
        // frame, so that the user sees the one replace the other in place.
        viewportElement.addEventListener(Enums.Events.IMAGE_RENDERED, endEarly, { once: true });
      } catch (error) {
        showMessage(`Image ${first.index + 1}: ${loadErrorText(error)}`);
      }
      updateSlice();
    }
    if (!shownFirst) endEarly();
    // The rest of the series: each instance decoded as its metadata and frames come in, after the first image is drawn
    // (or has failed), so that it does not compete with it.
    await nextFrame();
    if (mine !== showing) return;
    const stopAhead = decodeAhead(studyUrl, series.uid);
    whole.finally(stopAhead).catch(() => {});
    let stack;
    try {
      stack = await whole;
    } catch (error) {
      if (mine !== showing) return;
      provisional = null;
      sliceLabel.textContent = '';
      showMessage(failureText(error, 'The series could not be loaded'));
      return;
    }
    if (mine !== showing) return;
    const camera = shownFirst ? viewport.getCamera() : null;
    const properties = shownFirst ? viewport.getProperties() : null;
    provisional = null;
    ({ imageIds, images } = stack);
    if (!imageIds.length) {
      sliceLabel.textContent = '';
      showMessage('The series has no images.');
      return;
    }
    const multiFrame = [...images.values()].find(i => i.frames > 1);
    cine.offer(Boolean(multiFrame), multiFrame?.instance);
    slider.max = String(imageIds.length);
    slider.disabled = imageIds.length < 2;
    const kept = first ? imageIds.indexOf(first.imageId) : -1;
    const start = kept >= 0 ? kept : Math.floor(imageIds.length / 2);
    current.index = start;
    // Cornerstone fills the canvas black when it is given a stack and draws the image only at its next render: the image
    // shown stays on screen meanwhile, as a copy over it (the same pixels), until that render.
    const cover = shownFirst ? coverCanvas() : null;
    try {
      await viewport.setStack(imageIds, start);
      // The rest of the stack loads in the background, nearest slices first, so scrolling finds them decoded.
      stackPrefetch.enable(viewportElement);
      if (camera && kept >= 0) {
        // The same image as before: as the user may already have windowed, zoomed or inverted it.
        viewport.setCamera(camera);
        viewport.setProperties({ ...(properties?.voiRange ? { voiRange: properties.voiRange } : {}), invert: Boolean(properties?.invert) });
        render();
      } else {
        viewport.resetCamera();
        current.inverted = false;
        setPreset('file');
      }
    } catch (error) {
      showMessage(`Image ${start + 1}: ${loadErrorText(error)}`);
      cover?.remove();
    }
    if (cover) viewportElement.addEventListener(Enums.Events.IMAGE_RENDERED, () => cover.remove(), { once: true });
    updateSlice();
    sliceLabel.textContent = `Image ${current.index + 1} / ${imageIds.length}`;
    element.dataset.loaded = series.uid;
  };

  return {
    element,
    stage,
    viewport,
    viewportElement,
    showMessage,
    /** A quiet word in an empty pane (not an alert). */
    hint: words => {
      hint.textContent = words;
      hint.hidden = !words;
    },
    showSeries,
    goTo,
    scroll,
    setPreset,
    invert,
    reset,
    /** What the toolbar, the tests and the benchmark read: the series uid, index, preset, inversion, image count, images decoded. */
    state: () => ({
      ...current, series: current.series?.uid ?? null, count: imageIds.length, playing: cine.playing(),
      cached: imageIds.reduce((n, id) => n + (cache.getImage(id) ? 1 : 0), 0),
      stream: current.series ? streamProgress(`${studyUrl}/series/${encodeURIComponent(current.series.uid)}`) : null,
      photometric: currentImage()?.instance?.['00280004']?.Value?.[0] ?? null, shownInverted: Boolean(viewport.getProperties?.()?.invert),
    }),
    /** The image shown, with its instance's metadata and frame (undefined before the first image). */
    currentImage,
    /** Shows or hides the key tags over the image. */
    showTags: on => {
      tags.element.hidden = !on;
      tags.update(currentImage(), viewport.getProperties?.()?.voiRange);
    },
    playing: () => cine.playing(),
    /** The decoded values of the image shown (after the modality LUT), to compare with another decoder's, and the least
     * and greatest of them as the decoder found them (the image's own window where it names none). */
    pixels: () => {
      const image = cache.getImage(viewport.getCurrentImageId());
      return image ? { rows: image.rows, columns: image.columns, values: Array.from(image.getPixelData()), min: image.minPixelValue, max: image.maxPixelValue } : null;
    },
    /** The grey the canvas shows at image pixels [[column, row], …] (the pixel's centre), to check what the user sees. */
    displayed: points => {
      const imageId = viewport.getCurrentImageId();
      const canvas = viewport.getCanvas();
      const context = canvas.getContext('2d');
      const scale = canvas.width / canvas.clientWidth;
      return points.map(([column, row]) => {
        const [x, y] = viewport.worldToCanvas(csUtils.imageToWorldCoords(imageId, [column + 0.5, row + 0.5]));
        const [r, g, b] = context.getImageData(Math.floor(x * scale), Math.floor(y * scale), 1, 1).data;
        return Math.round((r + g + b) / 3);
      });
    },
    dispose: () => {
      cine.stop();
      stackPrefetch.disable(viewportElement);
      listeners.removeAll();
    },
  };
}
