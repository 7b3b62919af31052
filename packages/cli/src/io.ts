/**
 * All terminal and file access of the CLI goes through an Io, so tests run commands in-process
 * and read what they printed. Paths given to readFile and fileExists are absolute.
 */
import { readFileSync, statSync } from 'node:fs';

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
}

export function nodeIo(): Io {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readFile: (path) => readFileSync(path, 'utf8'),
    fileExists: (path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    cwd: process.cwd(),
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
