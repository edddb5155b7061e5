// The frames' worker: reads a series' frames (multipartFrames.js) off the page's main thread and hands each frame to the
// page as it completes, its bytes transferred, not copied. Messages in: { key, url }; out: { key, frame } and { key, end }.
import { readFrames } from './multipartFrames.js';

self.onmessage = async ({ data: { key, url } }) => {
  try {
    await readFrames(url, frame => self.postMessage({ key, frame }, [frame.bytes.buffer]));
  } catch {
    // The page fetches the frames the stream did not bring one by one, and says what is wrong with them.
  }
  self.postMessage({ key, end: true });
};
