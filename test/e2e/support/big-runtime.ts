/**
 * A runtime with many ids, for the precedence view's speed (issue 22): an env file and an
 * Airflow connections export that overlap, some of the shared ids with a different password
 * in each, so every verdict the view draws occurs at scale. Values are made up.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** What was written, and what the view should count. */
export interface BigRuntime {
  envFile: string
  exportFile: string
  ids: number
  /** Ids both files hold with a different password: the env layer's risk count. */
  differs: number
  /** Ids both files hold alike. */
  same: number
}

/**
 * `ids` ids in all: a fifth variables (env only), the rest connections; the env file holds the
 * first 60 % of the connections, the export the last 70 %; of the overlap, every other id
 * differs in its password.
 */
export function writeBigRuntime(dir: string, ids = 50_000): BigRuntime {
  const variables = Math.floor(ids / 5)
  const connections = ids - variables
  const name = (i: number) => `conn_${String(i).padStart(6, '0')}`
  const envTo = Math.floor(connections * 0.6)
  const exportFrom = Math.floor(connections * 0.3)
  const env: string[] = []
  const exported: Record<string, object> = {}
  let differs = 0
  let same = 0
  for (let i = 0; i < connections; i++) {
    const both = i < envTo && i >= exportFrom
    const differ = both && i % 2 === 0
    if (both) {
      if (differ) differs++
      else same++
    }
    if (i < envTo)
      env.push(
        `AIRFLOW_CONN_${name(i).toUpperCase()}=postgres://etl:pw-${i}${differ ? '-env' : ''}@db${i % 97}.internal:5432/a`
      )
    if (i >= exportFrom)
      exported[name(i)] = {
        conn_type: 'postgres',
        host: `db${i % 97}.internal`,
        login: 'etl',
        password: `pw-${i}`,
        schema: 'a',
        port: 5432
      }
  }
  for (let i = 0; i < variables; i++)
    env.push(`AIRFLOW_VAR_VAR_${String(i).padStart(6, '0')}=value-${i}`)
  const envFile = join(dir, 'big.env')
  const exportFile = join(dir, 'big-connections.json')
  writeFileSync(envFile, env.join('\n') + '\n')
  writeFileSync(exportFile, JSON.stringify(exported))
  return { envFile, exportFile, ids, differs, same }
}
