// Reads a WADO-RS Series Pixel Data answer (multipart/related, one part a frame, each with its Content-Location and
// Content-Length) as it streams, giving each frame as it completes. Used in the frames' worker (seriesFramesWorker.js),
// so that 150 MB of frames are read and cut off the page's main thread, and by seriesFrames.js where no worker starts.

/** Fetches <paramref name="url"/> and calls onFrame({ location, transferSyntax, bytes }) for each part as it completes;
 * resolves at the multipart's end, rejects when the answer is not such a multipart or breaks off. */
export async function readFrames(url, onFrame) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' } });
  const type = response.headers.get('Content-Type') ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!response.ok || !type.startsWith('multipart/related') || !boundary) {
    response.body?.cancel();
    throw new Error(`The frames' call answered ${response.status}.`);
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
    onFrame({ location: headers['content-location'], transferSyntax, bytes: body });
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
