/**
 * All terminal and file access of the CLI goes through an Io, so tests run commands in-process
 * and read what they printed. Paths given to readFile and fileExists are absolute.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** Largest file read whole (scenario, model, CSV, ...): endless input such as /dev/zero stops here. */
export const MAX_FILE_BYTES = 256 * 2 ** 20;
/** Longest line of a streamed file (batch JSONL), in characters. */
export const MAX_LINE_CHARS = 16 * 2 ** 20;

export interface Io {
  /** Writes text to standard output as is (callers add the newlines). */
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a UTF-8 file; throws (like fs) when it cannot. */
  readFile(path: string): string;
  /** True when the path names an existing regular file. */
  fileExists(path: string): boolean;
  /** Directory that relative paths on the command line are resolved against. */
  readonly cwd: string;
  /** The lines of a file, read as a stream (memory stays flat); without it, readFile is split. */
  readLines?(path: string): AsyncIterable<string>;
  /** Resolves when standard output can take more (back-pressure from a slow reader). */
  drain?(): Promise<void>;
}

/** Lines of a stream of text chunks (`\n` ends a line; a final line without one still counts). */
export async function* linesOf(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of chunks) {
    rest += chunk;
    let start = 0;
    for (let nl = rest.indexOf('\n'); nl !== -1; nl = rest.indexOf('\n', start)) {
      yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
    if (rest.length > MAX_LINE_CHARS)
      throw new Error(
        `a line is longer than the limit of ${String(MAX_LINE_CHARS / 2 ** 20)} MiB characters`,
      );
  }
  if (rest !== '') yield rest;
}

function tooLarge(): Error {
  return new Error(`it is larger than the ${String(MAX_FILE_BYTES / 2 ** 20)} MiB limit for input files`);
}

/** Reads a file whole as UTF-8, up to MAX_FILE_BYTES (devices and pipes included). */
function readCapped(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (stat.isFile() && stat.size > MAX_FILE_BYTES) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_FILE_BYTES) throw tooLarge();
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function streamLines(path: string): AsyncIterable<string> {
  return linesOf(createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 }));
}

function stdoutDrained(): Promise<void> {
  if (!process.stdout.writableNeedDrain) return Promise.resolve();
  return new Promise((done) => process.stdout.once('drain', done));
}

export function nodeIo(): Io {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readFile: readCapped,
    fileExists: (path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    cwd: process.cwd(),
    readLines: streamLines,
    drain: stdoutDrained,
  };
}

/** An Io on the real file system that keeps what is printed (tests, embedding). */
export interface CapturingIo extends Io {
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIo(cwd: string = process.cwd()): CapturingIo {
  const node = nodeIo();
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    readFile: (path) => node.readFile(path),
    fileExists: (path) => node.fileExists(path),
    cwd,
    readLines: streamLines,
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/** An Io over in-memory files (absolute paths) that keeps what is printed (tests). */
export function memoryIo(files: Readonly<Record<string, string>>, cwd = '/data'): CapturingIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    fileExists: (path) => files[path] !== undefined,
    cwd,
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
