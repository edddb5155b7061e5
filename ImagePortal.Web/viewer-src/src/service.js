// The viewer's side of the portal's DICOMweb service: JSON calls (QIDO-RS, WADO-RS metadata) and the words for its
// refusals and for images that could not be loaded. Every fetch is same origin with the session cookie; the service
// decides what the user may see, the viewer only shows its answers (and its refusals).

/** An answer of the DICOMweb service that is not 2xx, with the service's own words ({"error": "…"}) where it gave any. */
export class ServiceError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function describeStatus(status) {
  return status === 401 ? 'You are signed out; sign in again.'
    : status === 404 ? 'Not found, or not yours to view.'
    : status === 502 ? 'The PACS could not be reached.'
    : status === 504 ? 'The PACS did not answer in time.'
    : `The server answered ${status}.`;
}

function errorText(status, bodyText) {
  try {
    const parsed = JSON.parse(bodyText);
    if (parsed && typeof parsed.error === 'string' && parsed.error) {
      return parsed.error;
    }
  } catch {
    // not JSON: the status says enough
  }
  return describeStatus(status);
}

// Calls started ahead of need (prefetchJson) and calls under way, by URL: a second caller of the same URL joins the
// first instead of asking the portal again (each call is a PACS query, and a refusal is a security alert).
const calls = new Map();

/**
 * Starts the call now (or joins the one under way) and keeps its answer for the next getJson(url), which takes it: the
 * page's first script (early.js) asks what the viewer is about to ask while the viewer is still loading.
 */
export function prefetchJson(url) {
  const under = calls.get(url);
  if (under) return under.answer;
  const answer = request(url);
  answer.catch(() => {});
  calls.set(url, { answer, kept: true });
  return answer;
}

/** A DICOM JSON answer ([] for an empty body); a ServiceError for anything but 2xx, and for a call that got no answer
 * (status 0: the connection failed, or <paramref name="signal"/> gave up waiting). A call prefetched or under way for the
 * same URL is joined (not with a signal: that caller may give up on its own). */
export function getJson(url, signal) {
  if (signal) return request(url, signal);
  const under = calls.get(url);
  if (under) {
    if (under.kept) calls.delete(url);
    return under.answer;
  }
  const answer = request(url);
  const entry = { answer, kept: false };
  calls.set(url, entry);
  const forget = () => { if (calls.get(url) === entry) calls.delete(url); };
  answer.then(forget, forget);
  return answer;
}

async function request(url, signal) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/dicom+json' }, signal });
  } catch {
    throw new ServiceError(0, signal?.aborted ? 'The portal took too long to answer.' : 'The connection to the portal failed.');
  }
  if (!response.ok) {
    throw new ServiceError(response.status, errorText(response.status, await response.text()));
  }
  try {
    return await readArray(url, response);
  } catch (error) {
    if (error instanceof SyntaxError) throw error;
    throw new ServiceError(0, 'The connection to the portal failed.');
  }
}

// The data sets of answers under way, by URL, as they arrive (the portal writes a DICOM JSON array one data set a line,
// and a series' metadata as the PACS sends its instances): onItems(url) gives those so far and each one after.
const arrivals = new Map();

const arrivalsOf = url => {
  let entry = arrivals.get(url);
  if (!entry) arrivals.set(url, entry = { items: [], listeners: new Set() });
  return entry;
};

/** Calls <paramref name="listener"/> with each data set of the answer to <paramref name="url"/> as it arrives (those
 * already arrived first); returns the function that stops it. */
export function onItems(url, listener) {
  const entry = arrivalsOf(url);
  for (const item of entry.items) listener(item);
  entry.listeners.add(listener);
  return () => entry.listeners.delete(listener);
}

/**
 * The answer's JSON, read as it arrives: a line of its own a data set where the answer is written so; else parsed whole.
 * Only the text after the last whole line is kept between reads (a series' metadata is megabytes in hundreds of reads:
 * searching text that grows with each read would make the reading quadratic); the reads themselves are kept for the
 * whole parse, in case the answer turns out not to be written a line a data set.
 */
async function readArray(url, response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const entry = arrivalsOf(url);
  entry.items = [];
  const chunks = [];
  let rest = '';
  let start = null; // whether the answer opens with '[' on a line of its own, once its first characters have come
  let lines = true;
  const take = line => {
    const trimmed = line.trim().replace(/,$/, '');
    if (trimmed === '[' || trimmed === ']' || trimmed === '') return;
    if (!trimmed.startsWith('{')) {
      lines = false;
      return;
    }
    let item;
    try {
      item = JSON.parse(trimmed);
    } catch {
      lines = false; // not one data set a line after all: parsed whole at the end
      return;
    }
    entry.items.push(item);
    for (const listener of entry.listeners) listener(item);
  };
  const scan = text => {
    chunks.push(text);
    if (start === null) {
      const opening = (rest + text).trimStart();
      if (opening.length >= 2) start = opening.startsWith('[\n') || opening.startsWith('[\r\n');
    }
    if (!lines) return;
    rest += text;
    let scanned = 0;
    for (let end; lines && (end = rest.indexOf('\n', scanned)) >= 0; scanned = end + 1) take(rest.slice(scanned, end));
    rest = rest.slice(scanned);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    scan(decoder.decode(value, { stream: true }));
  }
  scan(decoder.decode());
  if (lines && start) {
    take(rest);
    if (lines) return entry.items;
  }
  const text = chunks.join('');
  return text.trim() ? JSON.parse(text) : [];
}

/** The words for a failed call: the service's own for a ServiceError, else <paramref name="what"/> and the error. */
export function failureText(error, what) {
  return error instanceof ServiceError ? error.message : `${what}: ${error?.message ?? error}`;
}

/** Why an image could not be loaded: the service's refusal (an XMLHttpRequest from the loader) or the decoder's error,
 * with the decoder's own message unless <paramref name="detail"/> is false (a thumbnail's box has no room for it). */
export function loadErrorText(error, detail = true) {
  const failure = error?.error ?? error;
  if (failure && typeof failure.status === 'number' && failure.status >= 400) {
    let body = '';
    try {
      body = failure.response instanceof ArrayBuffer ? new TextDecoder().decode(failure.response) : String(failure.responseText ?? '');
    } catch {
      body = '';
    }
    return errorText(failure.status, body);
  }
  if (failure && typeof failure.status === 'number' && failure.status === 0) {
    return 'The connection to the portal failed.';
  }
  const message = failure?.message ?? (typeof failure === 'string' ? failure : '');
  return message && detail ? `The image could not be decoded: ${message}` : 'The image could not be decoded.';
}
