/**
 * Airflow's configuration, read exactly as Airflow reads it, into an **Airflow runtime
 * profile**: the Fernet key, the metadata database URL, the secrets backends and the cache
 * settings, each with where it came from (a line of airflow.cfg, an environment variable,
 * a command or secret that was not run, or Airflow's default).
 *
 * Sources (apache/airflow): `shared/configuration/src/airflow_shared/configuration/parser.py`
 * (3.x `AirflowConfigParser`: lookup order, `_CMD`/`_SECRET`, `expand_env_var`, `getjson`,
 * `getboolean`, `_get_custom_secret_backend`), `airflow/configuration.py` (2.x: the same
 * order, plus `[core] sql_alchemy_conn` as the deprecated name of `[database]
 * sql_alchemy_conn` from 2.3), `airflow-core/src/airflow/config_templates/config.yml`
 * (defaults and which options are `sensitive`, i.e. may come from `_cmd`/`_secret`), and
 * `airflow-core/src/airflow/settings.py` (`_is_sqlite_db_path_relative`). SQLAlchemy URLs:
 * `lib/sqlalchemy/engine/url.py` (`_parse_url`, SQLAlchemy 2.0).
 *
 * What airflow.cfg is, to Airflow: Python's `configparser.ConfigParser` with its defaults —
 * `BasicInterpolation` (`%(name)s` references, a literal `%` written `%%`), delimiters `=`
 * and `:`, full-line comments `#` and `;` (no inline comments), indented continuation
 * lines, strict (a repeated section or key is an error) — except that Airflow's
 * `optionxform` keeps key case, and every lookup lower-cases the section and key it asks
 * for: so `[Core]` or `Fernet_Key` in the file are never read. After interpolation Airflow
 * applies `expand_env_var` (`os.path.expandvars` + `expanduser`, repeated until stable) to
 * file and environment values. `{AIRFLOW_HOME}`-style braces are formatted only into
 * Airflow's built-in defaults, never into the user's file (`create_default_config_parser`).
 *
 * Split by concern: cfg.ts (configparser), env.ts (`AIRFLOW__…` names, `expand_env_var`),
 * runtime-profile.ts (the profile), sqlalchemy-url.ts; this module re-exports them.
 *
 * Pure: takes the file's text and an environment record; commands (`_cmd`) run only
 * through a runner the caller passes (the platform loader, when allowed), never here.
 */
export { cfgGet, parseAirflowCfg } from './cfg'
export type { CfgOption, CfgSection, ConfigProblem, ParsedAirflowCfg } from './cfg'
export { airflowEnvName, expandEnvVar, expandUser, expandVars } from './env'
export { describeOrigin, readAirflowConfig } from './runtime-profile'
export type {
  AirflowConfigOptions,
  AirflowRuntimeProfile,
  CommandRunner,
  ConfigOrigin,
  EffectiveBackend,
  ProfileSetting
} from './runtime-profile'
export {
  parseSqlAlchemyUrl,
  redactSqlAlchemyUrl,
  sqlAlchemyUrlPasswordText
} from './sqlalchemy-url'
export type { SqlAlchemyUrl } from './sqlalchemy-url'
