import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

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
    plugins: [react()]
  }
})
