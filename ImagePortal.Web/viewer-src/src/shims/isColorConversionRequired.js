// The DICOM image loader's isColorConversionRequired (5.14.0), with the frame sizes of YBR_FULL_422 and YBR_PARTIAL_420
// the right way round. The loader's own tests a 4:2:2 frame against the 4:2:0 size (chroma on every other row) and a
// 4:2:0 frame against the 4:2:2 size, so a native YBR_FULL_422 frame (PS3.3 C.7.6.3.1.2: Y Y Cb Cr for each two pixels
// of every row, two bytes a pixel) was never converted to RGB and its two-byte samples went to the viewport as if they
// were three ("Cannot read properties of undefined (reading 'getSize')"). build.mjs puts this file in its place.
export default function isColorConversionRequired(imageFrame) {
  if (imageFrame === undefined) {
    return false;
  }
  const { rows, columns, photometricInterpretation, pixelDataLength, planarConfiguration } = imageFrame;
  if (pixelDataLength === 4 * columns * rows) {
    return false;
  }
  if (photometricInterpretation === 'PALETTE COLOR') {
    return true;
  }
  // Each row: a Cb and a Cr for each two pixels (an odd last pixel has its own).
  const rowWithChroma = 3 * Math.ceil(columns / 2) + Math.floor(columns / 2);
  if (photometricInterpretation.endsWith('420')) {
    // Chroma on every other row only.
    return pixelDataLength === rowWithChroma * Math.ceil(rows / 2) + Math.floor(rows / 2) * columns;
  }
  if (photometricInterpretation.endsWith('422')) {
    return pixelDataLength === rowWithChroma * rows;
  }
  return photometricInterpretation !== 'RGB' || planarConfiguration === 1;
}
