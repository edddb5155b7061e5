// A series' frames in one streamed call: the portal's WADO-RS Series Pixel Data (`…/series/{uid}/pixeldata`, one part a
// frame, each named by its Content-Location and sized by its Content-Length) read as it arrives, each frame kept by its
// URL until the image loader takes it (loader.js). A stack of 300 slices is then one call instead of 300, and its frames
// arrive while the portal still fetches the series from the PACS. Small and without Cornerstone, so that the page's first
// script (early.js) starts it before the viewer has loaded. A frame the stream does not bring (left out by the portal,
// or the stream broke) is fetched alone by the loader, whose answer (or refusal) the viewer shows as before.

const streams = new Map();

/** Starts reading the series' frames (once a page for each series URL); the URL is the series' absolute URL. */
export function streamSeriesFrames(seriesUrl) {
  const key = pathOf(seriesUrl);
  let stream = streams.get(key);
  if (!stream) {
    stream = { frames: new Map(), waiting: new Map(), ended: false, parts: 0 };
    streams.set(key, stream);
    stream.done = read(`${seriesUrl}/pixeldata`, stream)
      .catch(() => {})
      .finally(() => {
        stream.ended = true;
        for (const resolve of stream.waiting.values()) resolve(null);
        stream.waiting.clear();
      });
  }
  return stream;
}

/**
 * The frame of a wadors image id from its series' stream: undefined when no stream reads that series (the loader fetches
 * the frame alone); else a promise of { bytes, transferSyntax }, or of null when the stream ended without it. With
 * <paramref name="wait"/> false, only a frame already arrived (a frame wanted now is not held behind the stream's order).
 * A frame is given once; the stream keeps no copy of it.
 */
export function takeFrame(imageId, wait = true) {
  const path = pathOf(imageId.replace(/^wadors:/, ''));
  const at = path.indexOf('/instances/');
  const stream = at > 0 ? streams.get(path.slice(0, at)) : undefined;
  if (!stream) return undefined;
  const frame = stream.frames.get(path);
  if (frame) {
    stream.frames.delete(path);
    return Promise.resolve(frame);
  }
  if (stream.ended || !wait) return undefined;
  return new Promise(resolve => stream.waiting.set(path, resolve));
}

/** What the tests read: the series' streams by path, with how many frames each has brought. */
export const streamStats = () => [...streams].map(([path, s]) => ({ path, parts: s.parts, ended: s.ended }));

function pathOf(url) {
  const parsed = new URL(url, location.href);
  return decodeURIComponent(parsed.pathname);
}

function arrive(stream, location, frame) {
  stream.parts++;
  const path = pathOf(location);
  const resolve = stream.waiting.get(path);
  if (resolve) {
    stream.waiting.delete(path);
    resolve(frame);
  } else {
    stream.frames.set(path, frame);
  }
}

async function read(url, stream) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' } });
  const type = response.headers.get('Content-Type') ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!response.ok || !type.startsWith('multipart/related') || !boundary) {
    response.body?.cancel();
    return;
  }
  const bytes = byteReader(response.body.getReader());
  const ascii = new TextDecoder('ascii');
  const delimiter = `--${boundary}`;
  for (;;) {
    // The delimiter line, then the part's headers up to the empty line (each part is written whole, PS3.18 8.6.1.2).
    const line = ascii.decode(await bytes.until(CRLF)).trim();
    if (line === `${delimiter}--`) return;
    if (line !== delimiter) throw new Error('Not a multipart part.');
    const headers = {};
    for (let header; (header = ascii.decode(await bytes.until(CRLF))); ) {
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length']);
    if (!Number.isSafeInteger(length) || length <= 0 || !headers['content-location']) throw new Error('A part without its length or location.');
    const body = await bytes.take(length);
    await bytes.until(CRLF);
    const transferSyntax = /transfer-syntax=([0-9.]+)/.exec(headers['content-type'] ?? '')?.[1] ?? '1.2.840.10008.1.2.1';
    arrive(stream, headers['content-location'], { bytes: body, transferSyntax });
  }
}

const CRLF = [13, 10];

/** Reads a stream of chunks: take(n) copies exactly n bytes into one array; until(marker) gives the bytes before marker. */
function byteReader(reader) {
  const chunks = [];
  let offset = 0; // into chunks[0]
  let available = 0;

  const more = async () => {
    const { value, done } = await reader.read();
    if (done) throw new Error('The stream ended inside a part.');
    chunks.push(value);
    available += value.length;
  };

  const take = async count => {
    while (available < count) await more();
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = chunks[0];
      const n = Math.min(count - filled, chunk.length - offset);
      out.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (offset === chunk.length) {
        chunks.shift();
        offset = 0;
      }
    }
    available -= count;
    return out;
  };

  const until = async marker => {
    // Header lines are short: look byte by byte across chunk edges.
    for (let scanned = 0; ; scanned++) {
      while (available < scanned + marker.length) await more();
      if (marker.every((b, i) => byteAt(scanned + i) === b)) {
        const out = await take(scanned);
        await take(marker.length);
        return out;
      }
      if (scanned > 8192) throw new Error('A header line too long.');
    }
  };

  const byteAt = index => {
    let i = index + offset;
    for (const chunk of chunks) {
      if (i < chunk.length) return chunk[i];
      i -= chunk.length;
    }
    return -1;
  };

  return { take, until };
}
