import { useMemo, useState } from 'react'
import type { CompareItemDto } from '../../../src-main/contract/ipc'
import { ErrorNote } from '../../components/ErrorNote'
import { LocatorField } from '../../components/LocatorField'
import { VirtualTable, type Column } from '../../components/VirtualTable'
import { useAppStore } from '../../store'
import { CompareDetail } from './CompareDetail'
import { STATUS_LABEL } from './status-label'
import { DialectOptions, KindOptions } from '../../components/choices'

type Status = CompareItemDto['status']

const GROUPS: { status: Status; count: 'onlyA' | 'onlyB' | 'differs' | 'same'; label: string }[] = [
  { status: 'only-a', count: 'onlyA', label: 'only in A' },
  { status: 'only-b', count: 'onlyB', label: 'only in B' },
  { status: 'differs', count: 'differs', label: 'differ' },
  { status: 'same', count: 'same', label: 'same' }
]

/** Comma-separated id globs (`*`, `?`); a pattern without either matches as a substring. */
function idMatcher(text: string): (id: string) => boolean {
  const patterns = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (!patterns.length) return () => true
  const tests = patterns.map((p) => {
    if (!/[*?]/.test(p)) return (id: string) => id.includes(p)
    const re = new RegExp(
      '^' +
        p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replaceAll('*', '.*')
          .replaceAll('?', '.') +
        '$'
    )
    return (id: string) => re.test(id)
  })
  return (id) => tests.some((t) => t(id))
}

const keyOf = (i: CompareItemDto) => `${i.kind}:${i.id}`

/** A side of one id in one line: a connection's type and address, a variable's description. */
function summary(item: CompareItemDto, side: 'a' | 'b'): string | undefined {
  const fields = new Map(item.fields.map((f) => [f.field, f]))
  if (!fields.size || !(side in item.fields[0]!)) return undefined
  const v = (name: string) => {
    const f = fields.get(name)
    const x = f?.[side]
    return x === null || x === undefined || f?.secret ? '' : String(x)
  }
  if (item.kind === 'variable') return ['value ***', v('description')].filter(Boolean).join(' · ')
  const login = v('login')
  const port = v('port')
  const schema = v('schema')
  const host = v('host')
  const where = `${login ? (host ? `${login}@` : login) : ''}${host}${port ? `:${port}` : ''}${schema ? `/${schema}` : ''}`
  return [v('conn_type') || '(no type)', where].filter(Boolean).join(' · ')
}

/** Stores A and B side by side: only in A, only in B, differing, the same. Nothing here writes. */
export function CompareScreen() {
  const form = useAppStore((s) => s.compareForm)
  const setForm = useAppStore((s) => s.setCompareForm)
  const comparison = useAppStore((s) => s.comparison)
  const status = useAppStore((s) => s.compareStatus)
  const error = useAppStore((s) => s.compareError)
  const requestCompare = useAppStore((s) => s.requestCompare)
  const [shownGroups, setShownGroups] = useState<ReadonlySet<Status>>(
    () => new Set<Status>(['only-a', 'only-b', 'differs'])
  )
  const [kind, setKind] = useState<'all' | 'connection' | 'variable'>('all')
  const [idGlob, setIdGlob] = useState('')
  const [selected, setSelected] = useState<string | undefined>(undefined)

  const rows = useMemo(() => {
    const matches = idMatcher(idGlob)
    return (comparison?.items ?? []).filter(
      (i) => shownGroups.has(i.status) && (kind === 'all' || i.kind === kind) && matches(i.id)
    )
  }, [comparison, shownGroups, kind, idGlob])
  const detail = comparison?.items.find((i) => keyOf(i) === selected)

  const toggleGroup = (s: Status) => {
    const next = new Set(shownGroups)
    if (next.has(s)) next.delete(s)
    else next.add(s)
    setShownGroups(next)
  }
  const side = (i: CompareItemDto, which: 'a' | 'b') => {
    const text = summary(i, which)
    return text === undefined ? (
      <span className="muted">not in {which.toUpperCase()}</span>
    ) : (
      <span title={text}>{text}</span>
    )
  }
  const columns: Column<CompareItemDto>[] = [
    {
      key: 'status',
      label: 'A vs B',
      width: '96px',
      render: (i) => <span className={`badge cmp-${i.status}`}>{STATUS_LABEL[i.status]}</span>
    },
    {
      key: 'kind',
      label: 'Kind',
      width: '54px',
      render: (i) => (i.kind === 'connection' ? 'conn' : 'var')
    },
    {
      key: 'id',
      label: 'ID',
      fit: { text: (i) => i.id, min: 12, max: 40, grow: true },
      render: (i) => (
        <button
          type="button"
          className="link id cmp-open"
          data-testid="compare-open"
          aria-pressed={selected === keyOf(i)}
          title={i.id}
          onClick={() => setSelected(keyOf(i))}
        >
          {i.id}
        </button>
      )
    },
    { key: 'a', label: 'A', width: 'minmax(150px, 1.6fr)', render: (i) => side(i, 'a') },
    { key: 'b', label: 'B', width: 'minmax(150px, 1.6fr)', render: (i) => side(i, 'b') },
    {
      key: 'differs',
      label: 'Fields that differ',
      width: 'minmax(100px, 1fr)',
      render: (i) => {
        const names = i.fields.filter((f) => f.differs).map((f) => f.field)
        return names.length ? (
          <span title={names.join(', ')}>{names.join(', ')}</span>
        ) : (
          <span className="muted">—</span>
        )
      }
    }
  ]

  return (
    <section data-testid="compare" data-state={status}>
      <h2>Compare</h2>
      <p className="muted small">
        Two stores side by side, read only: nothing here writes to either. Secret fields (passwords,
        extras, variable values) are never shown, only whether they differ.
      </p>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          setSelected(undefined)
          void requestCompare()
        }}
      >
        <LocatorField
          label="Store A"
          testId="compare-a"
          value={form.a}
          onChange={(a) => setForm({ a })}
          placeholder="demo:, envfile:/path/.env, metadb:NAME"
          chooseTitle="Choose the file of store A"
          required
        />
        <LocatorField
          label="Store B"
          testId="compare-b"
          value={form.b}
          onChange={(b) => setForm({ b })}
          placeholder="envfile:/path/.env, vault:NAME"
          chooseTitle="Choose the file of store B"
          required
        />
        <label>
          Kinds
          <select
            data-testid="compare-kinds"
            value={form.kinds}
            onChange={(e) => setForm({ kinds: e.target.value as typeof form.kinds })}
          >
            <KindOptions />
          </select>
        </label>
        <label>
          Dialect (reads both stores)
          <select
            data-testid="compare-dialect"
            value={form.dialect}
            onChange={(e) => setForm({ dialect: e.target.value as typeof form.dialect })}
          >
            <DialectOptions />
          </select>
        </label>
        <div className="actions">
          <button
            type="submit"
            className="primary"
            data-testid="compare-run"
            disabled={status === 'loading'}
          >
            {status === 'loading' ? 'Comparing…' : 'Compare'}
          </button>
        </div>
      </form>
      <ErrorNote error={error} testId="compare-error" />
      {comparison && (
        <div data-testid="comparison">
          <p className="cmp-stores">
            <span>
              <span className="cmp-side">A</span>{' '}
              <code data-testid="compare-store-a">{comparison.a}</code>
            </span>
            <span>
              <span className="cmp-side">B</span>{' '}
              <code data-testid="compare-store-b">{comparison.b}</code>
            </span>
            <span className="muted small">read as {comparison.dialect}</span>
          </p>
          <div className="toolbar" role="group" aria-label="Show">
            {GROUPS.map((g) => (
              <button
                key={g.status}
                type="button"
                className={`cmp-group cmp-${g.status}`}
                data-testid={`compare-count-${g.status}`}
                aria-pressed={shownGroups.has(g.status)}
                onClick={() => toggleGroup(g.status)}
              >
                <span className="cmp-check" aria-hidden="true">
                  {shownGroups.has(g.status) ? '✓' : ''}
                </span>
                <strong>{comparison.counts[g.count]}</strong> {g.label}
              </button>
            ))}
            <select
              data-testid="compare-kind"
              aria-label="Kind"
              value={kind}
              onChange={(e) => setKind(e.target.value as typeof kind)}
            >
              <option value="all">All kinds</option>
              <option value="connection">Connections</option>
              <option value="variable">Variables</option>
            </select>
            <input
              data-testid="compare-id"
              data-search
              aria-label="Id glob"
              placeholder="Id glob: pg_*, *_prod"
              value={idGlob}
              onChange={(e) => setIdGlob(e.target.value)}
            />
            <span className="muted small" data-testid="compare-shown">
              {rows.length} of {comparison.items.length} ids shown
            </span>
          </div>
          <div className="cmp-layout">
            <VirtualTable
              testId="compare-table"
              rowTestId="compare-item"
              rows={rows}
              columns={columns}
              rowKey={keyOf}
              rowClass={(i) => (keyOf(i) === selected ? 'cmp-selected' : '')}
              rowAttributes={(i) => ({
                'data-id': i.id,
                'data-kind': i.kind,
                'data-status': i.status
              })}
              rowHeight={34}
              height={480}
              fit
              label="Ids of A and B; Enter shows every field of the active id"
              onActivate={(i) => setSelected(keyOf(i))}
            />
            <CompareDetail item={detail} />
          </div>
        </div>
      )}
    </section>
  )
}
