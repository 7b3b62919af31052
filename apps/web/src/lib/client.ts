/** The page's side of the worker: typed requests; a newer request of the same kind supersedes. */
import type { ReplyMessage, RequestType, Requests } from '../worker/protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

/** Milliseconds the worker spent on the last request of each kind (shown in the page, read by tests). */
export const timings: Partial<Record<RequestType, number>> = {};

function ensureWorker(): Worker {
  if (worker !== undefined) return worker;
  const w = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<ReplyMessage & { type?: RequestType }>) => {
    const reply = e.data;
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply);
    else p.reject(new Error(reply.error));
  };
  worker = w;
  return w;
}

export async function request<T extends RequestType>(
  type: T,
  args: Requests[T]['args'],
): Promise<Requests[T]['result']> {
  const w = ensureWorker();
  const id = nextId++;
  const reply = await new Promise<unknown>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, type, args });
  });
  const r = reply as { result: Requests[T]['result']; ms: number };
  timings[type] = r.ms;
  return r.result;
}
