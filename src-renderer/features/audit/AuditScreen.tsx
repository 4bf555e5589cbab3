import { useEffect, useMemo, useRef, useState } from 'react'
import type { AuditQuery, AuditRecordDto } from '../../../src-main/contract/ipc'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { LocatorField } from '../../components/LocatorField'
import { VirtualTable, type Column } from '../../components/VirtualTable'
import { auditDetails, auditFileName, auditJsonLines, auditMatches } from './audit-lines'

const SINCE_PRESETS = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: 'all', label: 'All time' },
  { value: 'other', label: 'Since…' }
] as const
type SincePreset = (typeof SINCE_PRESETS)[number]['value']

const ACTIONS = ['apply', 'resume', 'rollback'] as const

interface Row {
  key: string
  record: AuditRecordDto
}

/** `2026-12-06T08:13:27.123Z` as `2026-12-06 08:13:27 UTC`. */
function when(at: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(at)
  return m ? `${m[1]} ${m[2]} UTC` : at
}

function stores(r: AuditRecordDto): string {
  const source = typeof r.source === 'string' ? r.source : undefined
  const target = typeof r.target === 'string' ? r.target : undefined
  return source && target ? `${source} → ${target}` : (target ?? source ?? '')
}

/**
 * The audit history: who ran which job action when, on which stores, with counts and ids —
 * never a value. Filtered as `airlock audit` is (since, action, store, job), then by text;
 * exported as the JSON Lines `airlock audit --json` prints.
 */
export function AuditScreen() {
  const records = useAppStore((s) => s.auditRecords)
  const status = useAppStore((s) => s.auditStatus)
  const error = useAppStore((s) => s.auditError)
  const query = useAppStore((s) => s.auditQuery)
  const load = useAppStore((s) => s.loadAudit)
  const jobs = useAppStore((s) => s.jobs)
  const setScreen = useAppStore((s) => s.setScreen)
  const openJob = useAppStore((s) => s.openJob)
  const notify = useAppStore((s) => s.notify)
  const [preset, setPreset] = useState<SincePreset>('7d')
  const [since, setSince] = useState('')
  const [action, setAction] = useState('')
  const [store, setStore] = useState('')
  const [job, setJob] = useState('')
  const [text, setText] = useState('')

  useEffect(() => {
    if (status === 'idle') void load()
  }, [status, load])
  // A job that ends (or is rolled back) reloads the jobs list: its record is in the log by then.
  const seenJobs = useRef(jobs)
  useEffect(() => {
    if (seenJobs.current === jobs) return
    seenJobs.current = jobs
    if (status !== 'idle') void load()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jobs])

  const queryOf = (changes: {
    preset?: SincePreset
    since?: string
    action?: string
  }): AuditQuery => {
    const p = changes.preset ?? preset
    const s = (changes.since ?? since).trim()
    const a = changes.action ?? action
    return {
      ...(p === 'other' ? (s ? { since: s } : {}) : p === 'all' ? {} : { since: p }),
      ...(a ? { actions: [a] } : {}),
      ...(store.trim() ? { store: store.trim() } : {}),
      ...(job.trim() ? { jobId: job.trim() } : {})
    }
  }

  const q = text.trim().toLowerCase()
  const shown = useMemo(
    () => (q ? records.filter((r) => auditMatches(r, q)) : records),
    [records, q]
  )
  // newest first on screen; the export keeps the log's order
  const rows = useMemo<Row[]>(
    () =>
      shown
        .map((record, i) => ({ key: `${i}:${record.at}:${record.job}:${record.action}`, record }))
        .reverse(),
    [shown]
  )

  const exportShown = () => {
    const name = auditFileName(new Date())
    const url = URL.createObjectURL(
      new Blob([auditJsonLines(shown)], { type: 'application/jsonl' })
    )
    const a = document.createElement('a')
    a.href = url
    a.download = name
    a.hidden = true
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    notify(`Exported ${shown.length} record${shown.length === 1 ? '' : 's'} as ${name}.`)
  }

  const columns: Column<Row>[] = [
    {
      key: 'at',
      label: 'When',
      width: '215px',
      render: ({ record }) => (
        <time dateTime={record.at} title={record.at}>
          {when(record.at)}
        </time>
      )
    },
    {
      key: 'user',
      label: 'Who',
      width: 'minmax(60px, 0.4fr)',
      render: ({ record }) => record.user
    },
    {
      key: 'action',
      label: 'Action',
      width: '80px',
      render: ({ record }) => (
        <span className={`audit-action ${record.action}`}>{record.action}</span>
      )
    },
    {
      key: 'job',
      label: 'Job',
      width: '190px',
      render: ({ record }) => (
        <button
          type="button"
          className="link"
          data-testid="audit-job-link"
          title={`Open job ${record.job} in Jobs`}
          onClick={() => {
            setScreen('jobs')
            void openJob(record.job)
          }}
        >
          {record.job}
        </button>
      )
    },
    {
      key: 'stores',
      label: 'Stores',
      width: 'minmax(200px, 2.4fr)',
      render: ({ record }) => {
        const source = typeof record.source === 'string' ? record.source : undefined
        const target = typeof record.target === 'string' ? record.target : undefined
        // each store keeps its own room: a long source does not push the target out of view
        return (
          <span className="audit-stores" title={stores(record)}>
            {source && <span>{source}</span>}
            {source && target && <span className="arrow">{' → '}</span>}
            {target && <span>{target}</span>}
          </span>
        )
      }
    },
    {
      key: 'details',
      label: 'Counts and ids',
      width: 'minmax(140px, 1fr)',
      render: ({ record }) => (
        <span className="muted" title={auditDetails(record)}>
          {auditDetails(record)}
        </span>
      )
    }
  ]

  // what an empty list means: nothing ever, nothing in this time, or filters that match nothing
  const narrowed = Boolean(query.actions?.length || query.store || query.jobId || q)
  const empty = narrowed
    ? 'No record matches these filters.'
    : query.since !== undefined
      ? 'No job action in this time. The audit log records each apply, resume and rollback.'
      : 'No job has been run yet. The audit log records each apply, resume and rollback.'
  return (
    <section data-testid="audit" data-state={status}>
      <h2>Audit history</h2>
      <p className="muted">
        Every apply, resume and rollback, from the audit log: who ran it, when, on which stores,
        with counts and entry ids. The log holds no value.
      </p>
      <form
        className="toolbar audit-filters"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault()
          void load(queryOf({}))
        }}
      >
        <label>
          Since
          <select
            data-testid="audit-since"
            value={preset}
            onChange={(e) => {
              const p = e.target.value as SincePreset
              setPreset(p)
              if (p !== 'other') void load(queryOf({ preset: p }))
            }}
          >
            {SINCE_PRESETS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        {preset === 'other' && (
          <input
            data-testid="audit-since-text"
            aria-label="Since (an ISO time or a duration back from now)"
            placeholder="2026-12-01, 90m, 2w"
            value={since}
            onChange={(e) => setSince(e.target.value)}
            size={16}
          />
        )}
        <label>
          Action
          <select
            data-testid="audit-action"
            value={action}
            onChange={(e) => {
              setAction(e.target.value)
              void load(queryOf({ action: e.target.value }))
            }}
          >
            <option value="">All actions</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <LocatorField
          label="Store"
          testId="audit-store"
          value={store}
          onChange={setStore}
          placeholder="source or target"
          chooseTitle="Choose the store file to filter by"
        />
        <label>
          Job
          <input
            data-testid="audit-job"
            value={job}
            onChange={(e) => setJob(e.target.value)}
            placeholder="job id"
            size={14}
          />
        </label>
        <button type="submit" data-testid="audit-apply">
          Show
        </button>
      </form>
      <div className="toolbar">
        <input
          type="search"
          data-testid="audit-text"
          data-search
          aria-label="Filter the records shown"
          placeholder="Filter: user, job, store, id"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <span className="muted" data-testid="audit-count">
          {records.length
            ? `${shown.length} of ${records.length} record${records.length === 1 ? '' : 's'} · newest first`
            : ''}
        </span>
        <span className="spacer" />
        <button
          type="button"
          data-testid="audit-export"
          disabled={!shown.length}
          title="The records shown, in the log's order (oldest first), one JSON object a line"
          onClick={exportShown}
        >
          Export as JSON Lines
        </button>
      </div>
      <ErrorNote error={error} testId="audit-error" />
      {status === 'ready' && !shown.length && (
        <p className="empty" data-testid="audit-empty">
          {empty}
        </p>
      )}
      {shown.length > 0 && (
        <VirtualTable
          testId="audit-table"
          rowTestId="audit-row"
          label="Audit records, newest first"
          rows={rows}
          columns={columns}
          rowKey={(r) => r.key}
          rowAttributes={(r) => ({ 'data-job': r.record.job, 'data-action': r.record.action })}
          fit
          height={480}
          onActivate={(r) => {
            setScreen('jobs')
            void openJob(r.record.job)
          }}
        />
      )}
    </section>
  )
}
