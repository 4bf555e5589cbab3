/** The public shapes of the `.env` codec: loaders, decoded files, problems and changes. */
import type { EnvFilePlace } from './place'

/** Whose rules read the file. */
export type EnvFileDialect = 'compose' | 'python-dotenv' | 'airflow'

/** The loaders that read `.env` files for a process environment (and that Airlock writes for). */
export type EnvFileLoader = Exclude<EnvFileDialect, 'airflow'>

/** Human names of the loaders, for messages. */
export const ENV_FILE_LOADER_LABEL: Readonly<Record<EnvFileDialect, string>> = {
  compose: 'docker compose',
  'python-dotenv': 'python-dotenv',
  airflow: "Airflow's LocalFilesystemBackend"
}

/** One variable a loader sets: its name, its value, the line its statement starts on (1-based). */
export interface EnvFileVar {
  name: string
  value: string
  line: number
}

/** Something wrong (or worth knowing) on a line; the message never holds a value. */
export interface EnvFileProblem {
  line: number
  message: string
}

/** A decoded `.env` file: the variables as the loader sets them, every problem, every warning. */
export interface DecodedEnvFile {
  /** One item per name the file sets (the last assignment wins), in line order. */
  value: EnvFileVar[]
  /**
   * Lines the loader cannot read: docker compose then refuses the whole file, python-dotenv
   * skips the statement (and logs "could not parse statement"), Airflow raises.
   */
  problems: EnvFileProblem[]
  /** Lines read, but maybe not as meant (unset references, duplicate names, bare names). */
  warnings: EnvFileProblem[]
}

/** How values are interpolated while decoding (compose and python-dotenv only). */
export interface DecodeEnvFileOptions {
  /**
   * Expand `$NAME` / `${NAME…}` references as the loader does (default true). With false,
   * values are returned as handed to the interpolation step (compose: after escapes, so `\$`
   * reads `$$`).
   */
  interpolate?: boolean
  /**
   * The environment references are looked up in before the file's own earlier names (both
   * loaders let the environment win: compose's `GetEnvFromFile`, python-dotenv's
   * `load_dotenv(override=False)`). Default `{}`, so decoding is pure.
   */
  environment?: Readonly<Record<string, string | undefined>>
}

/** A warning about one variable written by {@link encodeEnvFile}; never holds the value. */
export interface EnvFileWarning {
  name: string
  message: string
}

/** An encoded `.env` file and what could not be written faithfully. */
export interface EncodedEnvFile {
  text: string
  warnings: EnvFileWarning[]
}

/** Options of {@link encodeEnvFile} and {@link updateEnvFile}. */
export interface EncodeEnvFileOptions {
  /** Whose reading wins for a value no quoting carries identically in both (default compose). */
  prefer?: EnvFileLoader
}

/** One change to a `.env` file: set `name` to `value`, or remove it (`null`). */
export interface EnvFileChange {
  name: string
  value: string | null
  /**
   * With a value: put the name back where and as it was written (place.ts, recorded before the
   * change being undone) instead of writing `value`; the rewrite then checks that the name's
   * text is the one recorded, not its value (a caller reads the value back). Absent, or a
   * place that cannot be used: `value` is written.
   */
  place?: EnvFilePlace
}
