// The toolbar (its row: toolbarView.js): what a left drag does (window, zoom, pan: the tool group's bindings), the window
// presets, invert and reset, the layouts and the key tags. Preset, invert and reset act on the active pane; sync() shows
// that pane's state in the buttons.
import WindowLevelTool from '@cornerstonejs/tools/tools/WindowLevelTool';
import PanTool from '@cornerstonejs/tools/tools/PanTool';
import ZoomTool from '@cornerstonejs/tools/tools/ZoomTool';
import StackScrollTool from '@cornerstonejs/tools/tools/StackScrollTool';
import * as ToolEnums from '@cornerstonejs/tools/enums';
import { toolbarView } from './toolbarView.js';

/** onLayout(count) and onTags() are the viewer's (1 or 2 panes; the key tags shown or not). */
export function createToolbar({ toolGroup, activePane, onLayout, onTags }) {
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

  const element = toolbarView({
    mode: setPrimary,
    preset: name => activePane()?.setPreset(name),
    invert: () => activePane()?.invert(),
    reset: () => activePane()?.reset(),
    layout: count => onLayout(count),
    tags: () => onTags(),
  });
  const invertButton = element.querySelector('[data-action=invert]');
  setPrimary('level');

  return {
    element,
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
