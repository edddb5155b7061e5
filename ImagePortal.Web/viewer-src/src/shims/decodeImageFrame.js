// The DICOM image loader's decodeImageFrame (5.14.0), with native (uncompressed) 16-bit grey frames decoded where they
// are asked for instead of in the loader's decoding worker. For such a frame the worker's "decoding" is a few passes over
// the pixels, but the way there and back copies the frame twice (structured clone, 512 KB for a CT slice) and is queued
// behind the other frames: measured in a Chrome trace of a 300-slice CT (bench/viewer.sh with VIEWER_TRACE), the worker
// was busy 11.9 s and the page's thread 6 s more with the messages, against about 3 ms a frame done here. The steps are
// the worker's own (decodeImageFrameWorker.js: decodeLittleEndian, then postProcessDecodedPixels without a target
// buffer), so the image is the same; every other frame goes to the worker as before. build.mjs puts this file in place
// of the loader's.
import decodeInWorker from '../../node_modules/@cornerstonejs/dicom-image-loader/dist/esm/imageLoader/decodeImageFrame.js';
import getPixelDataTypeFromMinMax from '../../node_modules/@cornerstonejs/dicom-image-loader/dist/esm/shared/getPixelDataTypeFromMinMax.js';

const nativeLittleEndian = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

export default function decodeImageFrame(imageFrame, transferSyntax, pixelData, canvas, options = {}, decodeConfig) {
  if (!decodesHere(imageFrame, transferSyntax, pixelData, options)) {
    return decodeInWorker(imageFrame, transferSyntax, pixelData, canvas, options, decodeConfig);
  }
  try {
    return Promise.resolve(decodeNative16(imageFrame, pixelData, options));
  } catch (error) {
    return Promise.reject(error);
  }
}

function decodesHere(imageFrame, transferSyntax, pixelData, options) {
  return nativeLittleEndian.has(transferSyntax) && imageFrame.bitsAllocated === 16 && imageFrame.samplesPerPixel === 1
    && !options.targetBuffer && !options.decodeLevel && pixelData.byteLength === 2 * imageFrame.rows * imageFrame.columns;
}

function decodeNative16(imageFrame, pixelData, options) {
  const start = Date.now();
  // decodeLittleEndian
  const buffer = pixelData.byteOffset % 2 ? pixelData.buffer.slice(pixelData.byteOffset, pixelData.byteOffset + pixelData.byteLength) : pixelData.buffer;
  const offset = pixelData.byteOffset % 2 ? 0 : pixelData.byteOffset;
  const stored = imageFrame.pixelRepresentation === 0 ? new Uint16Array(buffer, offset, pixelData.byteLength / 2) : new Int16Array(buffer, offset, pixelData.byteLength / 2);
  // postProcessDecodedPixels: signed values extended from their stored bits.
  if (imageFrame.pixelRepresentation === 1 && imageFrame.bitsStored !== undefined && imageFrame.bitsStored < 16) {
    const shift = 32 - imageFrame.bitsStored;
    for (let i = 0; i < stored.length; i++) stored[i] = (stored[i] << shift) >> shift;
  }
  imageFrame.pixelDataLength = stored.length;
  const { min, max } = minMax(stored);
  const scaling = options.preScale?.enabled ? options.preScale.scalingParameters : undefined;
  const canRenderFloat = options.allowFloatRendering !== undefined ? options.allowFloatRendering : true;
  const floatRescale = scaling && Object.values(scaling).some(v => typeof v === 'number' && !Number.isInteger(v));
  const scale = scaling && !(!canRenderFloat && floatRescale);
  if (options.preScale?.enabled && !scaling) {
    throw new Error('options.preScale.scalingParameters must be defined if preScale.enabled is true, and scalingParameters cannot be derived from the metadata providers.');
  }
  const scaled = scale ? scaledMinMax(min, max, scaling) : { min, max };
  const Type = getPixelDataTypeFromMinMax(scaled.min, scaled.max);
  const rescaled = scale && requiresScaling(scaling);
  // The frame's own bytes are the image's pixels where their type fits (no copy); else the values are copied, and scaled
  // where they are, in one pass into their new type.
  const pixels = stored instanceof Type ? stored : new Type(stored.length);
  if (rescaled) {
    applyScaling(stored, pixels, scaling);
  } else if (pixels !== stored) {
    pixels.set(stored, 0);
  }
  let smallest = min;
  let largest = max;
  if (rescaled) {
    imageFrame.preScale = { ...options.preScale, scaled: true };
    ({ min: smallest, max: largest } = scaled);
  }
  imageFrame.pixelData = pixels;
  imageFrame.smallestPixelValue = smallest;
  imageFrame.largestPixelValue = largest;
  imageFrame.decodeTimeInMS = Date.now() - start;
  return imageFrame;
}

// The least and greatest stored value, as the loader's getMinMax finds them, in one pass of plain comparisons. The
// loader's calls Math.min and Math.max for every pixel and serves every array type of every frame, and took 100-250 ms
// of the page's thread for a 300-slice CT (a Chrome profile of bench/viewer.sh, session 22).
function minMax(values) {
  let min = values[0];
  let max = min;
  for (let i = 1, n = values.length; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return { min, max };
}

function requiresScaling({ rescaleSlope, rescaleIntercept, modality, doseGridScaling, suvbw }) {
  return (typeof rescaleSlope === 'number' && typeof rescaleIntercept === 'number')
    || (modality === 'RTDOSE' && typeof doseGridScaling === 'number')
    || (modality === 'PT' && typeof suvbw === 'number');
}

function scaledMinMax(min, max, { rescaleSlope, rescaleIntercept, modality, doseGridScaling, suvbw }) {
  if (modality === 'PT' && typeof suvbw === 'number' && !isNaN(suvbw)) {
    return { min: suvbw * (min * rescaleSlope + rescaleIntercept), max: suvbw * (max * rescaleSlope + rescaleIntercept) };
  }
  if (modality === 'RTDOSE' && typeof doseGridScaling === 'number' && !isNaN(doseGridScaling)) {
    return { min: min * doseGridScaling, max: max * doseGridScaling };
  }
  if (typeof rescaleSlope === 'number' && typeof rescaleIntercept === 'number') {
    return { min: rescaleSlope * min + rescaleIntercept, max: rescaleSlope * max + rescaleIntercept };
  }
  return { min, max };
}

// The loader's scaleArray (the modality LUT, PS3.3 C.11.1): each stored value scaled into <paramref name="array"/> (its
// new type, or the stored array itself), as the loader does after copying them there.
function applyScaling(stored, array, { rescaleSlope, rescaleIntercept, modality, doseGridScaling, suvbw }) {
  const n = array.length;
  if (modality === 'PT' && typeof suvbw === 'number' && !isNaN(suvbw)) {
    for (let i = 0; i < n; i++) array[i] = suvbw * (stored[i] * rescaleSlope + rescaleIntercept);
  } else if (modality === 'RTDOSE' && typeof doseGridScaling === 'number' && !isNaN(doseGridScaling)) {
    for (let i = 0; i < n; i++) array[i] = stored[i] * doseGridScaling;
  } else {
    for (let i = 0; i < n; i++) array[i] = stored[i] * rescaleSlope + rescaleIntercept;
  }
}
