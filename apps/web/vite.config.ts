import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// A static site: relative asset paths, so dist/ can be served from any folder of any file host.
export default defineConfig({
  base: './',
  plugins: [svelte({ configFile: false })],
  resolve: {
    alias: {
      '@ridgeline/core': fileURLToPath(new URL('../../packages/core/src/index.ts', import.meta.url)),
    },
  },
  worker: { format: 'es' },
  build: { target: 'es2022', reportCompressedSize: false },
  test: {
    name: 'web',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
