/**
 * End-to-end harness: builds the static site, serves apps/web/dist over HTTP from this process
 * and drives Debian's chromium through playwright-core (scripts/ensure-chromium.sh installs it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { build } from 'vite';

export const WEB_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(WEB_ROOT, 'dist');
const REPO = join(WEB_ROOT, '..', '..');

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

let built: Promise<void> | undefined;

/** Builds the site once per test process. */
export function buildSite(): Promise<void> {
  built ??= build({ root: WEB_ROOT, logLevel: 'error', configFile: join(WEB_ROOT, 'vite.config.ts') }).then(
    () => undefined,
  );
  return built;
}

export function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    try {
      if (!file.startsWith(dir)) throw new Error('outside');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ url: `http://127.0.0.1:${port}/`, server });
    });
  });
}

function chromiumPath(): string {
  const out = execFileSync('bash', [join(REPO, 'scripts', 'ensure-chromium.sh')], {
    encoding: 'utf8',
  }).trim();
  const path = out.split('\n').pop() ?? '';
  if (path === '') throw new Error('chromium is missing and scripts/ensure-chromium.sh could not install it');
  return path;
}

export interface Session {
  readonly url: string;
  readonly browser: Browser;
  readonly context: BrowserContext;
  newPage(hash?: string): Promise<Page>;
  close(): Promise<void>;
}

/** Build, serve and launch (playwright gives each launch a fresh profile); one session per test file. */
export async function startSession(): Promise<Session> {
  const executablePath = chromiumPath();
  await buildSite();
  const { url, server } = await serve(DIST);
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const errors: string[] = [];
  return {
    url,
    browser,
    context,
    async newPage(hash = '') {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url + hash);
      return page;
    },
    async close() {
      await browser.close();
      server.close();
      if (errors.length > 0) throw new Error(`errors in the page: ${errors.join('; ')}`);
    },
  };
}
