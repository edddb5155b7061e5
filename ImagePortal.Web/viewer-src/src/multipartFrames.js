// Reads a WADO-RS Series Pixel Data answer (multipart/related, one part a frame, each with its Content-Location and
// Content-Length) as it streams, giving each frame as it completes. Used in the frames' worker (seriesFramesWorker.js),
// so that 150 MB of frames are read and cut off the page's main thread, and by seriesFrames.js where no worker starts.
//
// Each frame's body is read straight into an ArrayBuffer of its own (a BYOB read of the response's byte stream: the
// browser copies the bytes once, into the frame's buffer, which is then transferred, never copied again); only a part's
// few header bytes (and what a read brought past them) go through a small buffer, searched with indexOf, not byte by byte.
// Where the body is not a byte stream, chunks are read and each frame's bytes copied once into its buffer.

/** Fetches <paramref name="url"/> and calls onFrame({ location, transferSyntax, bytes }) for each part as it completes
 * (and onReading({ byob }) once, when the answer's body is being read: whether straight into the frames' buffers);
 * resolves at the multipart's end, rejects when the answer is not such a multipart or breaks off. */
export async function readFrames(url, onFrame, onReading = () => {}) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' } });
  const type = response.headers.get('Content-Type') ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!response.ok || !type.startsWith('multipart/related') || !boundary) {
    response.body?.cancel();
    throw new Error(`The frames' call answered ${response.status}.`);
  }
  const delimiter = `--${boundary}`;
  const source = byteSource(response.body, new TextEncoder().encode(`${delimiter}--`));
  onReading({ byob: source.byob });
  const ascii = new TextDecoder('ascii');
  for (;;) {
    // The delimiter line, then the part's headers up to the empty line (each part is written whole, PS3.18 8.6.1.2).
    const head = await source.head();
    if (head === null) throw new Error('The stream ended inside a part.');
    const lines = ascii.decode(head).split('\r\n');
    const first = lines[0].trim();
    if (first === `${delimiter}--`) {
      await source.finish();
      return;
    }
    if (first !== delimiter) throw new Error('Not a multipart part.');
    const headers = {};
    for (const header of lines.slice(1)) {
      const colon = header.indexOf(':');
      if (colon > 0) headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length']);
    if (!Number.isSafeInteger(length) || length <= 0 || !headers['content-location']) throw new Error('A part without its length or location.');
    const bytes = await source.body(length);
    const transferSyntax = /transfer-syntax=([0-9.]+)/.exec(headers['content-type'] ?? '')?.[1] ?? '1.2.840.10008.1.2.1';
    onFrame({ location: headers['content-location'], transferSyntax, bytes });
  }
}

const HEAD_READ = 8 * 1024;
const HEAD_LIMIT = 64 * 1024;

/**
 * The response's bytes: head() gives the next part's delimiter line and headers (the bytes up to the empty line, without
 * the CRLF ending the part before, nor the empty line; or the closing delimiter line; null at the stream's end); body(n)
 * gives the next n bytes in an array of their own, over a whole ArrayBuffer of exactly n bytes (transferable). closing:
 * the closing delimiter line's bytes (`--boundary--`).
 */
export function byteSource(stream, closing) {
  let reader;
  let byob = false;
  try {
    reader = stream.getReader({ mode: 'byob' });
    byob = true;
  } catch {
    reader = stream.getReader();
  }
  let pending = new Uint8Array(0); // read, not yet given

  const append = chunk => {
    if (!pending.length) {
      pending = chunk;
      return;
    }
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending, 0);
    joined.set(chunk, pending.length);
    pending = joined;
  };

  const readMore = async () => {
    const { value, done } = byob ? await reader.read(new Uint8Array(HEAD_READ)) : await reader.read();
    if (done) return false;
    append(value);
    return true;
  };

  const head = async () => {
    for (let from = 0; ; ) {
      // A part's body ends with CRLF before the next delimiter; the first delimiter may also follow one.
      let start = 0;
      while (start < pending.length && (pending[start] === 13 || pending[start] === 10)) start++;
      const end = findHeadEnd(pending, Math.max(start, from));
      if (end >= 0) {
        const out = pending.subarray(start, end);
        pending = pending.subarray(end + 4);
        return out;
      }
      if (isLine(pending, start, closing)) {
        const out = pending.subarray(start);
        pending = new Uint8Array(0);
        return out;
      }
      if (pending.length > HEAD_LIMIT) throw new Error('A part header too long.');
      from = Math.max(start, pending.length - 3);
      if (!(await readMore())) return isLine(pending, start, closing, true) ? pending.subarray(start) : null;
    }
  };

  const body = async length => {
    let buffer = new ArrayBuffer(length);
    const have = Math.min(length, pending.length);
    new Uint8Array(buffer, 0, have).set(pending.subarray(0, have));
    pending = pending.subarray(have);
    let filled = have;
    while (filled < length) {
      if (byob) {
        const { value, done } = await reader.read(new Uint8Array(buffer, filled, length - filled));
        if (done || !value) throw new Error('The stream ended inside a part.');
        buffer = value.buffer;
        filled += value.byteLength;
      } else {
        const { value, done } = await reader.read();
        if (done) throw new Error('The stream ended inside a part.');
        const n = Math.min(length - filled, value.length);
        new Uint8Array(buffer, filled, n).set(value.subarray(0, n));
        filled += n;
        if (n < value.length) pending = value.subarray(n);
      }
    }
    return new Uint8Array(buffer);
  };

  const cancel = () => {
    reader.cancel().catch(() => {});
  };

  // After the closing delimiter: the rest (nothing, or a short epilogue) is read to the stream's end, so that the call ends
  // whole and its connection serves the next one (a body cancelled before its end closes the connection).
  const finish = async () => {
    for (let rest = pending.length; rest <= HEAD_LIMIT; ) {
      const { value, done } = byob ? await reader.read(new Uint8Array(HEAD_READ)) : await reader.read();
      if (done) return;
      rest += value.byteLength;
    }
    cancel();
  };

  return { head, body, cancel, finish, byob };
}

/** Where the first CRLF CRLF at or after <paramref name="from"/> starts, or -1 (indexOf finds each CR natively). */
function findHeadEnd(bytes, from) {
  for (let at = bytes.indexOf(13, from); at >= 0 && at + 3 < bytes.length; at = bytes.indexOf(13, at + 1)) {
    if (bytes[at + 1] === 10 && bytes[at + 2] === 13 && bytes[at + 3] === 10) return at;
  }
  return -1;
}

/** Whether <paramref name="bytes"/> hold <paramref name="line"/> at <paramref name="start"/>, followed by CRLF or
 * (<paramref name="atEnd"/>) by nothing. */
function isLine(bytes, start, line, atEnd = false) {
  if (bytes.length < start + line.length) return false;
  for (let i = 0; i < line.length; i++) if (bytes[start + i] !== line[i]) return false;
  const after = start + line.length;
  return (atEnd && after === bytes.length) || (bytes[after] === 13 && bytes[after + 1] === 10);
}
