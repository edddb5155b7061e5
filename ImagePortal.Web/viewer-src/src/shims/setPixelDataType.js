// The DICOM image loader's setPixelDataType (5.14.0), without its copy where the pixels already are of their type: the
// loader's own builds the typed array the decoded values' range needs with `new TypedArray(pixelData)`, which copies the
// frame (512 KB for a CT slice) even when the decoder already gave that very type (it always does: the decoders pick it
// from the same range). Pixels of another type, or a view on part of a larger buffer, are copied as before. build.mjs puts
// this file in place of the loader's for createImage.js.
import getPixelDataTypeFromMinMax from '../../node_modules/@cornerstonejs/dicom-image-loader/dist/esm/shared/getPixelDataTypeFromMinMax.js';

export default function setPixelDataType(imageFrame) {
  const TypedArray = getPixelDataTypeFromMinMax(imageFrame.smallestPixelValue, imageFrame.largestPixelValue);
  if (!TypedArray) {
    throw new Error('Could not apply a typed array to the pixel data');
  }
  const pixels = imageFrame.pixelData;
  const whole = pixels instanceof TypedArray && pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
  if (!whole) {
    imageFrame.pixelData = new TypedArray(pixels);
  }
}
