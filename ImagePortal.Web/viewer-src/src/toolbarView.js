// The toolbar's buttons in their row, without Cornerstone: the viewer's toolbar (toolbar.js) with its handlers, and the
// same row without them (disabled) in the first image's layout (firstImage.js, viewer.js until Cornerstone has started),
// so that the row takes the same height, wrapped or not, before and after: the image under it does not move.
import { el, buttonStyle } from './dom.js';
import { layout } from './layout.js';
import { presets } from './presets.js';

/**
 * The row: what a left drag does (data-mode), the presets (data-preset), invert and reset, the layouts (data-layout),
 * the key tags (data-action=tags). <paramref name="on"/>: { mode(name), preset(name), invert(), reset(), layout(count),
 * tags() }; without it every button is disabled.
 */
export function toolbarView(on) {
  const element = el('div', { role: 'toolbar', 'aria-label': 'Image tools', style: layout.toolbar });
  const button = (attributes, label, handler) =>
    el('button', { type: 'button', style: buttonStyle, ...attributes, ...(on ? { onclick: handler } : { disabled: true }) }, label);
  const gap = () => el('span', { style: { width: '10px' } });
  for (const [mode, label] of [['level', 'Window'], ['zoom', 'Zoom'], ['pan', 'Pan']]) {
    element.append(button({ 'data-mode': mode, 'aria-pressed': 'false', title: `Left drag: ${label.toLowerCase()}` }, label, () => on.mode(mode)));
  }
  element.append(gap(), button({ 'data-preset': 'file', 'aria-pressed': 'true' }, 'Image VOI', () => on.preset('file')));
  for (const [name, preset] of Object.entries(presets)) {
    element.append(button({ 'data-preset': name, 'aria-pressed': 'false', title: `W ${preset.width} L ${preset.center}` }, preset.label, () => on.preset(name)));
  }
  element.append(gap(), button({ 'data-action': 'invert', 'aria-pressed': 'false' }, 'Invert', () => on.invert()), button({ 'data-action': 'reset' }, 'Reset', () => on.reset()));
  element.append(gap(), ...[[1, '1×1', 'One image'], [2, '1×2', 'Two series side by side']].map(([count, label, title]) =>
    button({ 'data-layout': String(count), 'aria-pressed': String(count === 1), title }, label, () => on.layout(count))));
  element.append(gap(), button({ 'data-action': 'tags', 'aria-pressed': 'false', title: 'Key tags of the image' }, 'Tags', () => on.tags()));
  return element;
}
