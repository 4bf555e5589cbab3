import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'

/**
 * The dev server (`npm run dev`) injects styles and React's refresh preamble inline; the
 * built app never does, so only the dev server's page gets the looser policy.
 */
const devCsp: Plugin = {
  name: 'airlock-dev-csp',
  apply: 'serve',
  transformIndexHtml: (html) =>
    html
      .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
      .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
      .replace("connect-src 'self'", "connect-src 'self' ws: http://localhost:*")
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: { input: { index: resolve('src-main/app/main.ts') }, external: ['keytar'] }
    }
  },
  preload: {
    // Sandboxed preloads cannot be ES modules: CommonJS, named .cjs in this "type": "module" package.
    build: {
      rollupOptions: {
        input: { index: resolve('src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: 'src-renderer',
    base: './',
    build: { rollupOptions: { input: { index: resolve('src-renderer/index.html') } } },
    plugins: [react(), devCsp]
  }
})
