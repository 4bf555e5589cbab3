/**
 * The `yaml` package, loaded on first use. The YAML codecs (py-yaml, astro-settings) sit on
 * the import path of every store (airflow-files → the `.env` codec; the backend registry →
 * astro), and loading `yaml` costs ~25 ms and ~5 MB of start-up that only YAML files need
 * (issue #22). Types come from `import type`, which loads nothing; keychain/keytar-keychain
 * loads keytar the same way.
 */
import { createRequire } from 'node:module'
import type * as YamlLib from 'yaml'

let lib: typeof YamlLib | undefined

/** The `yaml` module (loaded once, on the first call). */
export function yaml(): typeof YamlLib {
  return (lib ??= createRequire(import.meta.url)('yaml') as typeof YamlLib)
}
