// The key tags of the image a pane shows, from its instance's WADO-RS metadata (and, for what the file does not say, from
// the viewport: the window in use, the frame, the transfer syntax the frame came in).
import { el, text } from './dom.js';

const syntaxNames = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

const personName = name => name.split('^').filter(Boolean).join(', ');
const date = d => (/^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d);
const joined = (...parts) => parts.filter(Boolean).join(' · ');

/** The rows the panel shows: [key, label, value]. */
export function keyTags({ instance, frame, frames, image }, voiRange) {
  const t = tag => text(instance, tag);
  const syntax = image?.transferSyntaxUID ?? '';
  return [
    ['patient-name', 'Patient', personName(t('00100010'))],
    ['patient-id', 'Patient ID', t('00100020')],
    ['study-date', 'Study date', date(t('00080020'))],
    ['study-description', 'Study', t('00081030')],
    ['series', 'Series', joined(t('00200011') && `#${t('00200011')}`, t('0008103E'))],
    ['modality', 'Modality', t('00080060')],
    ['instance-number', 'Instance', t('00200013')],
    ['frame', 'Frame', `${frame} / ${frames}`],
    ['slice-location', 'Slice location', t('00201041') && `${t('00201041')} mm`],
    ['slice-thickness', 'Slice thickness', t('00180050') && `${t('00180050')} mm`],
    ['window', 'Window', voiRange ? `W ${Math.round(voiRange.upper - voiRange.lower)} L ${Math.round((voiRange.upper + voiRange.lower) / 2)}` : ''],
    ['size', 'Rows × columns', t('00280010') && `${t('00280010')} × ${t('00280011')}`],
    ['transfer-syntax', 'Transfer syntax', syntax && `${syntaxNames[syntax] ?? syntax} (${syntax})`],
    ['photometric', 'Photometric', t('00280004')],
  ];
}

/** The panel (hidden until shown): a definition list over the image, redrawn by update(). */
export function createKeyTagsPanel() {
  const list = el('dl', { style: { margin: '0', display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '2px 10px' } });
  const element = el('aside', {
    'aria-label': 'Key tags', 'data-testid': 'viewer-tags', hidden: true,
    style: { position: 'absolute', right: '8px', top: '8px', maxWidth: '60%', maxHeight: 'calc(100% - 16px)', overflowY: 'auto', padding: '8px 10px', background: 'rgba(17,22,28,0.88)', border: '1px solid #5f6b7a', borderRadius: '4px', fontSize: '12px', zIndex: '1' },
  }, list);
  return {
    element,
    /** Redraws the panel for <paramref name="shown"/> (pane.currentImage()) and the window in use. */
    update: (shown, voiRange) => {
      if (element.hidden || !shown?.instance) return;
      list.replaceChildren(...keyTags(shown, voiRange).flatMap(([key, label, v]) => [
        el('dt', { style: { color: '#aab4c0' } }, label),
        el('dd', { 'data-tag': key, style: { margin: '0' } }, v || '—'),
      ]));
    },
  };
}
