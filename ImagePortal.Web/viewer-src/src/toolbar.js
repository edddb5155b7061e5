// The toolbar: what a left drag does (window, zoom, pan: the tool group's bindings), the window presets, invert and
// reset. Preset, invert and reset act on the active pane; sync() shows that pane's state in the buttons.
import { WindowLevelTool, PanTool, ZoomTool, StackScrollTool, Enums as ToolEnums } from '@cornerstonejs/tools';
import { el, buttonStyle } from './dom.js';
import { presets } from './stackPane.js';

export function createToolbar({ toolGroup, activePane }) {
  const element = el('div', { role: 'toolbar', 'aria-label': 'Image tools', style: { display: 'flex', flexWrap: 'wrap', gap: '6px', alignItems: 'center' } });
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
    for (const button of element.querySelectorAll('[data-mode]')) {
      button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
    }
  };
  toolGroup.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });

  const button = (attributes, label, onclick) => el('button', { type: 'button', style: buttonStyle, ...attributes, onclick }, label);
  const gap = () => el('span', { style: { width: '10px' } });

  for (const [mode, label] of [['level', 'Window'], ['zoom', 'Zoom'], ['pan', 'Pan']]) {
    element.append(button({ 'data-mode': mode, 'aria-pressed': 'false', title: `Left drag: ${label.toLowerCase()}` }, label, () => setPrimary(mode)));
  }
  element.append(gap(), button({ 'data-preset': 'file', 'aria-pressed': 'true' }, 'Image VOI', () => activePane()?.setPreset('file')));
  for (const [name, preset] of Object.entries(presets)) {
    element.append(button({ 'data-preset': name, 'aria-pressed': 'false', title: `W ${preset.width} L ${preset.center}` }, preset.label, () => activePane()?.setPreset(name)));
  }
  const invertButton = button({ 'data-action': 'invert', 'aria-pressed': 'false' }, 'Invert', () => activePane()?.invert());
  element.append(gap(), invertButton, button({ 'data-action': 'reset' }, 'Reset', () => activePane()?.reset()));
  setPrimary('level');

  return {
    element,
    /** Adds a group of controls after a gap (the layout, the tags panel's toggle). */
    append: (...nodes) => element.append(gap(), ...nodes),
    /** Shows the active pane's preset and inversion in the buttons. */
    sync: () => {
      const state = activePane()?.state();
      if (!state) return;
      for (const b of element.querySelectorAll('[data-preset]')) {
        b.setAttribute('aria-pressed', String(b.dataset.preset === state.preset));
      }
      invertButton.setAttribute('aria-pressed', String(state.inverted));
    },
  };
}
