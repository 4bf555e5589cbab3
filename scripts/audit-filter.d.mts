export interface AuditException {
  id: string
  package: string
  reason: string
  reviewBy: string
}
export interface Finding {
  package: string
  severity: string
  id: string
  title: string
  url: string
}
export function advisoryId(via: { url?: string; source?: number | string }): string
export function readAudit(report: unknown): { unreachable: string } | { findings: Finding[] }
export function verdict(
  findings: Finding[],
  exceptions: AuditException[],
  today: string
): { failing: Finding[]; stale: AuditException[] }
export function checkExceptions(list: unknown): AuditException[]
