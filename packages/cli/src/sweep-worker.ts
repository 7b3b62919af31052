/**
 * Worker thread of `ridgeline sweep`: evaluates the index ranges the main thread sends and
 * returns their text; the main thread writes chunks in index order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nodeIo } from './io.js';
import type { SweepSetup } from './sweep-eval.js';
import { chunkRunner } from './sweep-eval.js';

export interface ChunkRequest {
  readonly start: number;
  readonly end: number;
}

export interface ChunkReply {
  readonly start: number;
  readonly end: number;
  /** The chunk's text, UTF-8 (transferred, not copied). */
  readonly bytes: Uint8Array;
  readonly errors: number;
}

const port = parentPort;
if (port !== null) {
  const runner = chunkRunner(workerData as SweepSetup, nodeIo());
  const encoder = new TextEncoder();
  port.on('message', (m: ChunkRequest) => {
    const { text, errors } = runner.run(m.start, m.end);
    const bytes = encoder.encode(text);
    const reply: ChunkReply = { start: m.start, end: m.end, bytes, errors };
    port.postMessage(reply, [bytes.buffer]);
  });
}
