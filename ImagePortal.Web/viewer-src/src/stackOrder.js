// How the viewer orders a study and picks what it shows first, shared by the viewer and by early.js (which starts the
// same calls while the page is still connecting): so small that the page's first script does not wait for Cornerstone.
import { value, text } from './dom.js';

/** The study's series from its QIDO-RS answers, by series number: { uid, modality, description, number, count }. */
export function seriesOf(answers) {
  return answers
    .map(s => ({
      uid: text(s, '0020000E'),
      modality: text(s, '00080060'),
      description: text(s, '0008103E'),
      number: Number(value(s, '00200011')) || 0,
      count: Number(value(s, '00201209')) || 0,
    }))
    .filter(s => s.uid)
    .sort((a, b) => a.number - b.number);
}

/** The series the viewer opens: the one the address names, else the first. */
export const wantedSeries = (series, uid) => series.find(s => s.uid === uid) ?? series[0];

/** Orders DICOM JSON instances by Instance Number (in place; ties keep their order). */
export const byInstanceNumber = instances =>
  instances.sort((a, b) => (Number(value(a, '00200013')) || 0) - (Number(value(b, '00200013')) || 0));

/**
 * The image the viewer shows first, the stack's middle one, from the series' QIDO-RS instances (each with its Number of
 * Frames where the PACS gives it, else one): { sop, frame, index, count }, or null when there is none.
 */
export function middleOf(instances) {
  const ordered = byInstanceNumber(instances.filter(i => value(i, '00080018')));
  const frames = ordered.map(i => Math.max(1, Number(value(i, '00280008')) || 1));
  const count = frames.reduce((a, b) => a + b, 0);
  let index = Math.floor(count / 2);
  const position = index;
  for (let i = 0; i < ordered.length; i++) {
    if (index < frames[i]) {
      return { sop: value(ordered[i], '00080018'), frame: index + 1, index: position, count };
    }
    index -= frames[i];
  }
  return null;
}
