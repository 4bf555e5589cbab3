/**
 * `.env` files as the loaders people actually use read them, as pure functions:
 *
 * - `compose` — docker compose v2 (`env_file:` and the project `.env`), i.e. the parser of
 *   compose-spec/compose-go `dotenv/parser.go` plus its `template` interpolation;
 * - `python-dotenv` — theskumar/python-dotenv `parser.py` + `main.py` (`load_dotenv`),
 *   reading a file;
 * - `airflow` — Airflow's LocalFilesystemBackend `.env` grammar (reference §12.6), which is
 *   airflow-files.ts's reader; it is reused here, not re-implemented.
 *
 * Decoding collects every problem with its line (the loaders stop at the first, or skip the
 * line with a log message); messages name lines and variable names, never values. Encoding
 * picks, per value, a quoting that docker compose and python-dotenv both read back to the
 * same text, and says when none exists. The rules, with their sources, are in the JSDoc of
 * {@link decodeEnvFile} and {@link encodeEnvFile}.
 *
 * Split by concern: types.ts, scan.ts (shared by the loaders), compose.ts, python-dotenv.ts,
 * decode.ts, encode.ts, update.ts, place.ts (where a name was, to put it back); this module re-exports the public names.
 */
export { decodeEnvFile } from './decode'
export { EnvFileChecks, encodeEnvFile } from './encode'
export { ENV_FILE_LOADER_LABEL } from './types'
export type {
  EnvFileDialect,
  EnvFileLoader,
  EnvFileVar,
  EnvFileProblem,
  DecodedEnvFile,
  DecodeEnvFileOptions,
  EnvFileWarning,
  EncodedEnvFile,
  EncodeEnvFileOptions,
  EnvFileChange
} from './types'
export { rewriteEnvFile, updateEnvFile } from './update'
export { placesOfNames } from './place'
export type { EnvFileAnchor, EnvFilePlace, EnvFileSpan } from './place'
export { scanLoader } from './decode'
export type { RewriteEnvFileOptions, RewrittenEnvFile } from './update'
