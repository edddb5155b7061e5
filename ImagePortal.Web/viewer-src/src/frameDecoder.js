// One compressed frame decoded for the early image (firstImage.js) before Cornerstone has loaded, by the image loader's
// own decoding worker (decodeImageFrameWorker.js beside the built modules, with its WebAssembly decoders): the decoders
// the viewer will use, so the early image and Cornerstone's show the same pixels. The worker answers comlink's messages
// (comlink 4, which the loader's worker exposes its decodeTask with); this speaks the one call it needs, so the page need
// not load the loader (megabytes of script) first. The worker is started for the one frame and ended after it.

const here = new URL('./', import.meta.url).href;
const DECODE_AT_MOST_MS = 5000;

/**
 * The frame's samples, decoded: a typed array of rows × columns stored values (the worker picks the array's type from
 * their range, as it does for the viewer), or a rejection
 * with the decoder's reason. <paramref name="image"/>: rows, columns, bitsAllocated, bitsStored, pixelRepresentation,
 * samplesPerPixel, photometricInterpretation, planarConfiguration.
 */
export function decodeFrame({ bytes, transferSyntax }, image) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(new URL('./decodeImageFrameWorker.js', import.meta.url), { type: 'module' });
    } catch (error) {
      reject(error);
      return;
    }
    const id = `early-${Math.random().toString(36).slice(2)}`;
    const end = (error, samples) => {
      clearTimeout(timer);
      worker.terminate();
      if (error) reject(error);
      else resolve(samples);
    };
    const timer = setTimeout(() => end(new Error('The frame was not decoded in time.')), DECODE_AT_MOST_MS);
    worker.onerror = event => end(new Error(event.message || 'The decoding worker failed.'));
    worker.onmessage = ({ data }) => {
      if (data?.id !== id) return;
      if (data.type === 'HANDLER' && data.name === 'throw') {
        return end(new Error(data.value?.value?.message ?? 'The frame could not be decoded.'));
      }
      const frame = data.type === 'RAW' ? data.value : null;
      const samples = frame?.pixelData;
      if (!ArrayBuffer.isView(samples) || samples.length < image.rows * image.columns) {
        return end(new Error('The decoder gave no pixels for the frame.'));
      }
      end(null, samples);
    };
    // The bytes are copied to the worker, not transferred: the loader decodes the same frame again when it takes over.
    // No scaling: the stored values, which the early image windows after the modality LUT itself.
    const imageFrame = { ...image, pixelData: undefined };
    worker.postMessage({
      id,
      type: 'APPLY',
      path: ['decodeTask'],
      argumentList: [{ type: 'RAW', value: { imageFrame, transferSyntax, pixelData: bytes, decodeConfig: { wasmBasePath: here }, options: { preScale: { enabled: false } } } }],
    });
  });
}
