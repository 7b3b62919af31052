/// <reference lib="webworker" />
/** The Web Worker: runs the core off the page's thread so typing never freezes it. */
import { catalogs, compareTexts, estimateText, sweepText } from './engine.js';
import type { ReplyMessage, RequestMessage, RequestType } from './protocol.js';

async function handle(msg: RequestMessage): Promise<unknown> {
  const type: RequestType = msg.type;
  switch (type) {
    case 'catalogs':
      return catalogs();
    case 'estimate':
      return estimateText((msg as RequestMessage<'estimate'>).args.text);
    case 'compare':
      return compareTexts((msg as RequestMessage<'compare'>).args.texts);
    case 'sweep': {
      const a = (msg as RequestMessage<'sweep'>).args;
      return sweepText(a.text, a.x, a.y, a.metric);
    }
    case 'require': {
      const m = await import('./explore.js');
      return m.requireText((msg as RequestMessage<'require'>).args);
    }
    case 'plan': {
      const m = await import('./explore.js');
      return m.planText((msg as RequestMessage<'plan'>).args);
    }
    case 'fidelityChunk': {
      const m = await import('./fidelity.js');
      const a = (msg as RequestMessage<'fidelityChunk'>).args;
      return m.servingChunk(a.file, a.start, a.end);
    }
    case 'fidelityTraining': {
      const m = await import('./fidelity.js');
      return m.trainingFidelity();
    }
    case 'benchmark': {
      const m = await import('./benchmark.js');
      return m.validateBenchmark((msg as RequestMessage<'benchmark'>).args);
    }
  }
}

self.onmessage = (e: MessageEvent<RequestMessage>) => {
  const msg = e.data;
  const t0 = performance.now();
  handle(msg).then(
    (result) => {
      const reply: ReplyMessage = { id: msg.id, ok: true, result, ms: performance.now() - t0 };
      self.postMessage(reply);
    },
    (err: unknown) => {
      const reply: ReplyMessage = {
        id: msg.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      };
      self.postMessage(reply);
    },
  );
};
