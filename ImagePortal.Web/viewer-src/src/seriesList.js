// The series list: one button a series (a thumbnail of its middle image, modality, number, description, image count); a
// click shows the series in the active pane, and the button of the series the active pane shows is marked current.
// Thumbnails are drawn by Cornerstone (loadImageToCanvas, its own offscreen rendering) one series after another, once
// the first series is on screen: each the image the pane opens the series on, from that one instance's metadata (not the
// whole series', which would make the portal fetch every series of the study from the PACS). The drawn image stays in
// Cornerstone's cache, where the pane that shows it finds it.
import { utilities } from '@cornerstonejs/core';
import { el, buttonStyle } from './dom.js';
import { loadFirstImage } from './study.js';
import { ServiceError, loadErrorText } from './service.js';
import { layout } from './layout.js';

const thumbnailSize = 96;

export function createSeriesList({ onPick }) {
  const element = el('nav', { 'aria-label': 'Series', 'data-testid': 'viewer-series-list', style: layout.seriesList });
  const buttons = new Map();

  return {
    element,
    /** Lists <paramref name="allSeries"/> (from study.listSeries). */
    fill: allSeries => {
      for (const series of allSeries) {
        const count = series.count ? `${series.count} image${series.count === 1 ? '' : 's'}` : '';
        const button = el('button', {
          type: 'button', 'data-series': series.uid, 'data-testid': 'viewer-series', 'aria-current': 'false',
          style: { ...buttonStyle, textAlign: 'left', padding: '8px', lineHeight: '1.35' },
          onclick: () => onPick(series),
        }, el('canvas', { 'data-testid': 'viewer-thumbnail', 'aria-hidden': 'true', style: { display: 'block', width: `${thumbnailSize}px`, height: `${thumbnailSize}px`, background: '#000', marginBottom: '4px' } }),
          el('strong', {}, `${series.modality || '?'} ${series.number ? `#${series.number}` : ''}`.trim()), el('br'),
          series.description || '(no description)', el('br'), el('small', {}, count));
        buttons.set(series.uid, button);
        element.append(button);
      }
    },
    /** Draws each series' middle image into its button, one after another; a failure says so in the button's title. */
    drawThumbnails: async (studyUrl, allSeries, stillOpen) => {
      for (const series of allSeries) {
        if (!stillOpen()) return;
        const button = buttons.get(series.uid);
        const canvas = button.querySelector('canvas');
        try {
          const first = await loadFirstImage(studyUrl, series.uid);
          if (!first || !stillOpen()) continue;
          canvas.width = canvas.height = Math.round(thumbnailSize * devicePixelRatio);
          await utilities.loadImageToCanvas({ canvas, imageId: first.imageId });
          canvas.style.width = canvas.style.height = `${thumbnailSize}px`;
          button.dataset.thumbnail = 'ready';
        } catch (error) {
          button.dataset.thumbnail = 'failed';
          button.title = `No thumbnail: ${error instanceof ServiceError ? error.message : loadErrorText(error)}`;
        }
      }
    },
    /** Marks the series of the active pane as current. */
    mark: uid => {
      for (const [key, button] of buttons) {
        button.setAttribute('aria-current', String(key === uid));
      }
    },
  };
}
