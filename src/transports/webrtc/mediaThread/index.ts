export { assertMediaThreads, MAX_MEDIA_THREADS, MediaThreadPool } from "./MediaThreadPool.js";
export { FramePacer, type PacedFrame, type PacerTimers } from "./pacer.js";
export { ThreadedPeer } from "./ThreadedPeer.js";
