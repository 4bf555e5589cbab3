// Lint rules, including the layer rules of STYLE.md §2 (who may import what).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import react from 'eslint-plugin-react'
import reactHooks from 'eslint-plugin-react-hooks'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import { builtinModules } from 'node:module'

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })
const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'net']

// core is pure TypeScript (STYLE §2): it imports contract and itself only — no other layer,
// no electron, no Node built-in (`node:*` or bare), save the modules named in `allowed`.
const coreImports = (allowed) => {
  const message = 'core is pure TypeScript: no Node built-ins (STYLE §2).'
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: builtinModules
          .filter((name) => !allowed.includes(name))
          .map((name) => ({ name, message })),
        patterns: [
          {
            group: [
              '**/backends/**',
              '**/keychain/**',
              '**/jobs/**',
              '**/platform/**',
              '**/ipc/**',
              '**/app/**',
              '**/cli/**',
              '**/preload/**'
            ],
            message: 'core imports only contract.'
          },
          { group: ['electron'], message: 'core never imports electron.' },
          { group: ['node:*', ...allowed.map((name) => `!node:${name}`)], message }
        ]
      }
    ]
  }
}

export default tseslint.config(
  {
    ignores: ['node_modules/', 'out/', 'dist/', 'coverage/', 'test-results/', 'playwright-report/']
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      '@typescript-eslint/consistent-type-imports': 'error'
    }
  },
  {
    files: ['src-main/contract/**/*.ts'],
    rules: restrict([
      { group: ['../*', '!./*'], message: 'contract imports only itself and zod.' },
      { group: NODE_BUILTINS, message: 'contract is shared with the renderer: no Node.' }
    ])
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: coreImports([])
  },
  {
    // The documented exceptions: Fernet (AES-128-CBC + HMAC, as Airflow's cryptography) and
    // the keyed fingerprints of secret values must be synchronous, and WebCrypto is async
    // only. Neither does I/O; node:crypto is the one built-in they may import.
    files: ['src-main/core/codecs/fernet.ts', 'src-main/core/fingerprint.ts'],
    rules: coreImports(['crypto'])
  },
  {
    // core/codecs/yaml-lib.ts loads the `yaml` package on first use so that opening a
    // `.env` or DB store does not pay for it (issue #22); the codecs are synchronous, so it
    // uses node:module's createRequire. core/adr/0001-yaml-loaded-on-first-use.md.
    files: ['src-main/core/codecs/yaml-lib.ts'],
    rules: coreImports(['module'])
  },
  {
    files: ['src-main/{backends,keychain,jobs,platform}/**/*.ts'],
    rules: restrict([
      { group: ['electron'], message: 'never electron here (STYLE §2).' },
      {
        group: ['**/operations/**', '**/ipc/**', '**/app/**', '**/cli/**', '**/preload/**'],
        message: 'layers point down only.'
      }
    ])
  },
  {
    // kind → factory only: which store a locator or profile names is operations/open-store's.
    files: ['src-main/backends/registry.ts'],
    rules: restrict([
      { group: ['electron'], message: 'never electron here (STYLE §2).' },
      {
        group: ['**/platform/**', '**/operations/**', '**/ipc/**', '**/app/**', '**/cli/**'],
        message: 'the registry maps kinds to factories; it imports backends only.'
      }
    ])
  },
  {
    files: ['src-main/operations/**/*.ts'],
    rules: restrict([
      { group: ['electron'], message: 'never electron here (STYLE §2).' },
      {
        group: ['**/ipc/**', '**/app/**', '**/cli/**', '**/preload/**'],
        message: 'operations take plain options and return plain data: no front end here.'
      }
    ])
  },
  {
    files: ['src-main/cli/**/*.ts'],
    rules: restrict([
      {
        group: ['electron', '**/app/**', '**/preload/**'],
        message: 'the CLI runs without Electron.'
      }
    ])
  },
  {
    files: ['src-main/ipc/**/*.ts'],
    ignores: ['src-main/ipc/electron-ipc.ts'],
    rules: restrict([
      { group: ['electron'], message: 'only ipc/electron-ipc.ts imports electron.' }
    ])
  },
  {
    files: ['src-main/preload/**/*.ts'],
    rules: restrict([
      {
        group: ['../{core,backends,keychain,jobs,platform,ipc,app,cli}/*'],
        message: 'preload imports contract and electron only.'
      }
    ])
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { react, 'react-hooks': reactHooks },
    settings: { react: { version: '19' } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs['jsx-runtime'].rules,
      ...reactHooks.configs.recommended.rules,
      ...restrict([
        {
          group: ['electron', ...NODE_BUILTINS],
          message: 'the renderer never touches Node or electron.'
        },
        {
          group: ['**/src-main/**', '../src-main/*', '../../src-main/*'],
          message: 'only `import type` from contract.',
          allowTypeImports: true
        }
      ])
    }
  },
  prettier
)
