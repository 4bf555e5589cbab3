/** Where Airlock keeps its files: `$AIRLOCK_HOME`, else the XDG data dir, else ~/.local/share. */
import { homedir } from 'node:os'
import { join } from 'node:path'

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRLOCK_HOME) return env.AIRLOCK_HOME
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'airlock')
}

/** `$AIRLOCK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/airlock`, else `~/.config/airlock`. */
export function configDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return (
    env.AIRLOCK_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'airlock')
  )
}
