// The viewer's first image before Cornerstone: its frame fetched once (WADO-RS frames, the same call and Accept header
// the image loader would make, so the portal checks and audits it as any other) by whoever asks first (early.js, else
// the pane), and kept for the loader (loader.js), which decodes it instead of asking again. A native grey frame (the
// frames route sends native frames as explicit VR little endian) is drawn at once on a plain canvas, in the window the
// viewer opens with (the file's own VOI, else the image's range after the modality LUT) and fitted into the stage as
// Cornerstone fits it; the pane hides that canvas once Cornerstone has drawn the same image (endEarly). A compressed grey
// frame (RLE, JPEG lossless and extended, JPEG-LS, JPEG 2000, HTJ2K) is first decoded by the loader's own decoding worker
// (frameDecoder.js), then drawn the same way. Colour frames, and syntaxes not named here, are not drawn here: the viewer
// shows them as before.
import { value } from './dom.js';
import { layout } from './layout.js';
import { toolbarView } from './toolbarView.js';
import { readFrames } from './multipartFrames.js';
import { decodeFrame } from './frameDecoder.js';

const NATIVE = '1.2.840.10008.1.2.1';
const ENCAPSULATED = /^1\.2\.840\.10008\.1\.2\.(4|5|6)(\.|$)/;
// The compressed syntaxes whose grey frames are decoded for the early image (those the loader's worker decodes).
const DECODED = new Set([
  '1.2.840.10008.1.2.5', // RLE
  '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', // JPEG baseline, extended
  '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', // JPEG lossless
  '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', // JPEG-LS
  '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91', // JPEG 2000
  '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203', // HTJ2K
]);
const frames = new Map();
let early = null;
let ended = false;
let viewerGate = null;

/**
 * For early.js: the viewer's module (Cornerstone, megabytes of script that the page's one thread evaluates) waits for
 * <paramref name="settled"/>, the first image drawn here or known not to be, so that the frame is not left waiting for
 * the page's thread while the module is evaluated.
 */
export function holdViewer(settled) {
  viewerGate = settled;
}

/** Resolves once the viewer's module may load: at once where early.js holds nothing (a page the circuit rendered). */
export const viewerMayLoad = () => viewerGate ?? Promise.resolve();

/** Whether the instance's metadata names an image this script can draw (a grey frame, native or in a syntax it decodes):
 * else the viewer draws it. */
export function mayDrawEarly(instance) {
  const bits = number(instance, '00280100', 0);
  // The syntax its frames come in, as the portal's metadata names it (Available Transfer Syntax UID); else its own.
  const syntax = value(instance, '00083002') ?? value(instance, '00020010') ?? '';
  return number(instance, '00280002', 1) === 1 && /^MONOCHROME[12]$/.test(value(instance, '00280004') ?? '')
    && (bits === 8 || bits === 16) && (!ENCAPSULATED.test(syntax) || DECODED.has(syntax));
}

/**
 * Draws the frame fetched from <paramref name="url"/> as showEarly does, decoding it first where it is compressed;
 * resolves to whether it drew. A frame the decoder refuses is not drawn here (the viewer says what is wrong with it).
 */
export async function showEarlyDecoded(url, frame, instance) {
  if (!DECODED.has(frame.transferSyntax)) return showEarly(url, frame, instance);
  if (ended || early || !mayDrawEarly(instance)) return false;
  let samples;
  try {
    samples = await decodeFrame(frame, {
      rows: number(instance, '00280010', 0),
      columns: number(instance, '00280011', 0),
      bitsAllocated: number(instance, '00280100', 0),
      bitsStored: number(instance, '00280101', number(instance, '00280100', 0)),
      pixelRepresentation: number(instance, '00280103', 0),
      samplesPerPixel: 1,
      photometricInterpretation: value(instance, '00280004'),
      planarConfiguration: 0,
    });
  } catch {
    return false;
  }
  return showEarly(url, frame, instance, samples);
}

/** The frame at <paramref name="url"/> (an absolute frames URL): { bytes, transferSyntax }, fetched once a page. */
export function fetchFirstFrame(url) {
  let entry = frames.get(url);
  if (!entry) {
    // Marked once it has come whole (the page's tests and bench/viewer.sh read the mark).
    entry = { answer: readFrame(url).then(frame => (performance.mark('imageportal:first-frame'), frame)), taken: false };
    entry.answer.catch(() => {});
    frames.set(url, entry);
  }
  return entry.answer;
}

/** For the loader: the frame fetched for <paramref name="url"/> (a promise of it, or of null when that call failed: the
 * loader then asks itself and shows its answer), given once; undefined when none was fetched. */
export function takeFirstFrame(url) {
  const entry = frames.get(url);
  if (!entry || entry.taken) return undefined;
  entry.taken = true;
  return entry.answer.catch(() => null);
}

// The frame's call answers one part, named and sized (Content-Location, Content-Length), read as the series' stream is.
async function readFrame(url) {
  let frame = null;
  await readFrames(url, part => { frame ??= part; });
  if (!frame) throw new Error('The frame\'s call answered no frame.');
  return { bytes: frame.bytes, transferSyntax: frame.transferSyntax };
}

const number = (instance, tag, fallback) => {
  const v = Number(value(instance, tag));
  return Number.isFinite(v) ? v : fallback;
};

/** A native frame's samples (rows × columns values, signed where the image is); null where they are not all there. */
function nativeSamples({ bytes, transferSyntax }, rows, columns, bits, signed) {
  const count = rows * columns;
  if (transferSyntax !== NATIVE || bytes.length < count * (bits / 8)) return null;
  const buffer = bytes.byteOffset % 2 ? bytes.slice().buffer : bytes.buffer;
  const offset = bytes.byteOffset % 2 ? 0 : bytes.byteOffset;
  return bits === 8 ? new (signed ? Int8Array : Uint8Array)(buffer, offset, count) : new (signed ? Int16Array : Uint16Array)(buffer, offset, count);
}

/**
 * The frame as grey pixels in the viewer's first window, on a canvas of the image's size; null where this cannot draw
 * it. <paramref name="decoded"/>: its samples where a decoder gave them, else the frame is read as native.
 */
function greyImage(frame, instance, decoded) {
  const rows = number(instance, '00280010', 0);
  const columns = number(instance, '00280011', 0);
  const bits = number(instance, '00280100', 0);
  const photometric = value(instance, '00280004');
  if (number(instance, '00280002', 1) !== 1 || !/^MONOCHROME[12]$/.test(photometric ?? '') || (bits !== 8 && bits !== 16) || !rows || !columns) return null;
  const count = rows * columns;
  const signed = number(instance, '00280103', 0) === 1;
  const raw = decoded ?? nativeSamples(frame, rows, columns, bits, signed);
  if (!raw || raw.length < count) return null;
  const slope = number(instance, '00281053', 1);
  const intercept = number(instance, '00281052', 0);
  // The file's own VOI (its first window); else the image's range after the modality LUT, as the viewer's "file" preset.
  const width = number(instance, '00281051', NaN);
  const center = number(instance, '00281050', NaN);
  let lower = center - width / 2;
  let upper = center + width / 2;
  if (!(width > 0) || !Number.isFinite(center)) {
    lower = Infinity;
    upper = -Infinity;
    for (let i = 0; i < count; i++) {
      const v = raw[i] * slope + intercept;
      if (v < lower) lower = v;
      if (v > upper) upper = v;
    }
    if (!(upper > lower)) return null;
  }
  const image = new ImageData(columns, rows);
  const scale = 255 / (upper - lower);
  const invert = photometric === 'MONOCHROME1';
  for (let i = 0, p = 0; i < count; i++, p += 4) {
    const grey = Math.min(255, Math.max(0, (raw[i] * slope + intercept - lower) * scale));
    image.data[p] = image.data[p + 1] = image.data[p + 2] = invert ? 255 - grey : grey;
    image.data[p + 3] = 255;
  }
  const source = document.createElement('canvas');
  source.width = columns;
  source.height = rows;
  source.getContext('2d').putImageData(image, 0, 0);
  // Pixel spacing (row, column) gives the image's shape on screen, as Cornerstone's world coordinates do.
  const [rowSpacing, columnSpacing] = (instance['00280030']?.Value ?? [1, 1]).map(Number);
  return { source, width: columns * (columnSpacing || 1), height: rows * (rowSpacing || 1), window: [lower, upper] };
}

/** Draws the image into the canvas' box as Cornerstone's reset camera does: whole, centred, as large as the box allows. */
function paint() {
  const { canvas, image } = early;
  const ratio = devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * ratio);
  canvas.height = Math.round(canvas.clientHeight * ratio);
  const scale = Math.min(canvas.width / image.width, canvas.height / image.height);
  const [w, h] = [image.width * scale, image.height * scale];
  const context = canvas.getContext('2d');
  context.fillStyle = '#000';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.imageSmoothingEnabled = true;
  context.drawImage(image.source, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
  // Where the image is, in the canvas' own pixels (the page's tests read it).
  canvas.dataset.rect = [(canvas.width - w) / 2, (canvas.height - h) / 2, w, h].map(v => v.toFixed(2)).join(',');
}

/**
 * Draws the frame fetched from <paramref name="url"/> (with its instance's metadata) in the viewer's first stage: the
 * viewer's placeholder or pane (placeEarly), else boxes of the same layout built in the page's viewer element. Returns
 * whether it drew (not once Cornerstone has taken over, nor a frame it cannot draw). <paramref name="decoded"/>: the
 * samples of a compressed frame, decoded (showEarlyDecoded).
 */
export function showEarly(url, frame, instance, decoded) {
  if (ended || early) return false;
  const image = greyImage(frame, instance, decoded);
  if (!image) return false;
  const stage = stageNow();
  if (!stage) return false;
  const canvas = document.createElement('canvas');
  canvas.dataset.testid = 'viewer-early-image';
  canvas.dataset.frame = url;
  Object.assign(canvas.style, { position: 'absolute', inset: '0', width: '100%', height: '100%', display: 'block' });
  early = { canvas, image, url, resize: new ResizeObserver(() => paint()) };
  // The page's live connection renders the viewer's element anew (ViewerPage.razor): a stage of the viewer's moves with
  // the viewer (earlyViewer.js); one of our own is built again in the new element.
  early.follow = new MutationObserver(() => {
    const next = early.canvas.isConnected ? null : stageNow();
    if (next) place(next);
  });
  early.follow.observe(document, { childList: true, subtree: true });
  canvas.dataset.window = image.window.join(',');
  canvas.dataset.size = `${image.source.width}x${image.source.height}`;
  place(stage);
  early.resize.observe(canvas);
  paint();
  canvas.dataset.drawnAt = String(performance.now());
  return true;
}

/** The viewer's stage for the first image, else one of the same layout in the viewer's (empty) element, else null. */
function stageNow() {
  const stage = document.querySelector('[data-early-stage]');
  if (stage) return stage;
  const host = [...document.querySelectorAll('[data-viewer-early]')].find(h => h.isConnected && !h.firstElementChild);
  return host ? ghost(host) : null;
}

/** The viewer's layout with nothing in it yet but the stage (and the toolbar's row, disabled), in <paramref name="host"/>;
 * returns the stage. */
function ghost(host) {
  const box = (style, ...children) => {
    const node = document.createElement('div');
    Object.assign(node.style, style);
    node.append(...children);
    return node;
  };
  const stage = box(layout.stage);
  stage.dataset.earlyStage = '';
  host.replaceChildren(box(layout.root, box(layout.seriesList), box(layout.main, toolbarView(), box(layout.paneRow, box(layout.pane, stage, box(layout.footer))))));
  return stage;
}

function place(stage) {
  const viewport = stage.querySelector('[data-testid=viewer-viewport]');
  if (viewport) viewport.after(early.canvas);
  else stage.append(early.canvas);
}

/** Makes <paramref name="stage"/> the first image's stage: the early image, if drawn, moves into it (same box, same place). */
export function placeEarly(stage) {
  if (ended) return;
  for (const other of document.querySelectorAll('[data-early-stage]')) delete other.dataset.earlyStage;
  stage.dataset.earlyStage = '';
  if (early) place(stage);
}

/** Whether the early image shows the frame of <paramref name="imageId"/> (a wadors image id). */
export const earlyShows = imageId => Boolean(early && !ended && `wadors:${early.url}` === imageId);

/** Cornerstone shows the first image now (or the early one is not wanted): the early canvas goes, and no other comes. */
export function endEarly() {
  if (ended) return;
  ended = true;
  for (const stage of document.querySelectorAll('[data-early-stage]')) delete stage.dataset.earlyStage;
  if (early) {
    early.follow.disconnect();
    early.resize.disconnect();
    early.canvas.remove();
  }
}
