/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs';
import { defineConfig, type ProxyOptions } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * `npm run dev` proxies `/api` to a running engine. It reads the engine's ready
 * file (`serve --ready-file PATH`; path from HOOKBENCH_READY, default
 * /tmp/uidev/ready.json) and sends its token as a bearer header, so the dev
 * server needs no cookie. The Origin header is dropped: the engine refuses
 * foreign origins, and the dev server's port is foreign to it.
 */
function devProxy(): Record<string, ProxyOptions> | undefined {
  const readyPath = process.env.HOOKBENCH_READY ?? '/tmp/uidev/ready.json';
  let ready: { api_url: string; token: string };
  try {
    ready = JSON.parse(readFileSync(readyPath, 'utf8'));
  } catch {
    console.warn(`[hookbench] no ready file at ${readyPath}: /api is not proxied`);
    return undefined;
  }
  return {
    '/api': {
      target: ready.api_url,
      changeOrigin: true,
      headers: { Authorization: `Bearer ${ready.token}` },
      configure: (proxy) => {
        proxy.on('proxyReq', (req) => req.removeHeader('origin'));
      },
    },
  };
}

export default defineConfig(({ command }) => ({
  base: './',
  plugins: [svelte()],
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  server: command === 'serve' ? { proxy: devProxy() } : undefined,
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: false, target: 'es2022' },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    // theme.test.ts reads app.css (`?raw`); other CSS stays out of the tests.
    css: { include: [/app\.css/] },
  },
}));
