// Multi-frame playback for a pane: play/pause and a frame rate, with Cornerstone tools' cine utilities (playClip steps
// the stack viewport's image index on a timer, so the slider, label and wheel keep working while it plays). The rate
// starts at the file's own: Cine Rate (0018,0040), else 1000 / Frame Time (0018,1063), else Recommended Display Frame
// Rate (0008,2144), else 10 a second.
import { playClip, stopClip } from '@cornerstonejs/tools/utilities/cine/index';
import { el, value, buttonStyle } from './dom.js';

/** The instance's own frame rate (frames a second), or undefined. */
export function ownFrameRate(instance) {
  const cineRate = Number(value(instance, '00180040'));
  if (cineRate > 0) return cineRate;
  const frameTime = Number(value(instance, '00181063'));
  if (frameTime > 0) return Math.round((1000 / frameTime) * 100) / 100;
  const recommended = Number(value(instance, '00082144'));
  return recommended > 0 ? recommended : undefined;
}

/** The controls (hidden until a multi-frame instance is shown) for the viewport on <paramref name="viewportElement"/>. */
export function createCineControls(viewportElement) {
  let playing = false;
  const play = el('button', { type: 'button', 'data-testid': 'viewer-play', 'aria-pressed': 'false', style: buttonStyle }, 'Play');
  const rate = el('input', { type: 'number', min: '1', max: '120', step: '1', value: '10', 'aria-label': 'Frames a second', 'data-testid': 'viewer-fps', style: { width: '56px' } });
  // Not display: flex, which would beat the hidden attribute.
  const element = el('span', { hidden: true, style: { gap: '6px', alignItems: 'center', fontSize: '13px', whiteSpace: 'nowrap' } }, play, ' ', rate, ' fps');

  const framesPerSecond = () => Math.min(120, Math.max(1, Number(rate.value) || 10));
  const setPlaying = on => {
    playing = on;
    play.textContent = on ? 'Pause' : 'Play';
    play.setAttribute('aria-pressed', String(on));
  };
  const start = () => {
    playClip(viewportElement, { framesPerSecond: framesPerSecond(), loop: true });
    setPlaying(true);
  };
  const stop = () => {
    if (playing) stopClip(viewportElement);
    setPlaying(false);
  };
  play.addEventListener('click', () => (playing ? stop() : start()));
  // A new rate while playing restarts the clip at it.
  rate.addEventListener('change', () => { if (playing) start(); });

  return {
    element,
    stop,
    /** Shows the controls for a stack with a multi-frame instance, at its own rate; hides them (and stops) otherwise. */
    offer: (multiFrame, instance) => {
      stop();
      element.hidden = !multiFrame;
      rate.value = String(ownFrameRate(instance) ?? 10);
    },
    playing: () => playing,
  };
}
