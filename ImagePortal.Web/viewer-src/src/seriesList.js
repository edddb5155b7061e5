// The series list: one button a series (modality, number, description, image count); a click shows the series in the
// active pane, and the button of the series each pane shows is marked current.
import { el, buttonStyle } from './dom.js';

export function createSeriesList({ onPick }) {
  const element = el('nav', { 'aria-label': 'Series', 'data-testid': 'viewer-series-list', style: { width: '220px', flex: '0 0 220px', display: 'flex', flexDirection: 'column', gap: '6px', overflowY: 'auto' } });
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
        }, el('strong', {}, `${series.modality || '?'} ${series.number ? `#${series.number}` : ''}`.trim()), el('br'),
          series.description || '(no description)', el('br'), el('small', {}, count));
        buttons.set(series.uid, button);
        element.append(button);
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
