// The frames' worker: reads a series' frames (multipartFrames.js) off the page's main thread and hands them to the page
// a few at a time, their bytes transferred, not copied: a batch goes once it holds BATCH frames, or WAIT_MS after its
// first frame (so a frame never waits long for the next ones while the portal still fetches them from the PACS). 300
// frames are then a few dozen messages to the page, not 300.
// Messages in: { key, url }; out: { key, frames: [{ location, transferSyntax, bytes }, …] } and { key, end, byob }.
import { readFrames } from './multipartFrames.js';

const BATCH = 16;
const WAIT_MS = 10;

self.onmessage = async ({ data: { key, url } }) => {
  let batch = [];
  let byob = null;
  let timer = null;
  const flush = () => {
    clearTimeout(timer);
    timer = null;
    if (!batch.length) return;
    self.postMessage({ key, frames: batch }, batch.map(frame => frame.bytes.buffer));
    batch = [];
  };
  try {
    await readFrames(url, frame => {
      batch.push(frame);
      if (batch.length >= BATCH) flush();
      else timer ??= setTimeout(flush, WAIT_MS);
    }, reading => {
      byob = reading.byob;
    });
  } catch {
    // The page fetches the frames the stream did not bring one by one, and says what is wrong with them.
  }
  flush();
  self.postMessage({ key, end: true, byob });
};
