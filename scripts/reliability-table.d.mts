export const ATTACK_CATEGORIES: readonly string[]
export interface AttackRow {
  category: string
  finding: string
  title: string
  file: string
  outcome: 'passed' | 'failed' | 'skipped'
}
export function attackFiles(root: string, dir?: string): string[]
export function attackRows(report: unknown, root: string): AttackRow[]
export function renderAttackTables(rows: AttackRow[]): string
