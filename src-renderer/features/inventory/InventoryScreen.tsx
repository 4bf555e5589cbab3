import { useEffect, useMemo, useState } from 'react'
import type { EntryDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { ListDetail } from '../../components/ListDetail'
import { LocatorField } from '../../components/LocatorField'
import { VirtualTable, type Column } from '../../components/VirtualTable'
import { CopyButton } from './CopyButton'
import { secretFieldsOf } from './entry-fields'
import { ExportPanel } from './ExportPanel'
import { InventoryDetail } from './InventoryDetail'
import { SecretCell } from './SecretCell'
import { DialectOptions } from '../../components/choices'

type Row = EntryDto | { kind: 'problem'; id: string; entryKind: string; message: string }

/** The columns the list leaves out while the drawer (which shows them all) is open. */
const DRAWER_HIDES = ['host', 'secret', 'from']
const rowKey = (r: Row) => `${r.kind === 'problem' ? 'problem:' + r.entryKind : r.kind}:${r.id}`
const plain = (r: Row, field: string) => (r.kind === 'problem' ? '' : String(r.fields[field] ?? ''))

/** What one store holds, masked: search, filters, reveal one field, copy one entry. */
export function InventoryScreen() {
  const locator = useAppStore((s) => s.inventoryLocator)
  const inventory = useAppStore((s) => s.inventory)
  const status = useAppStore((s) => s.inventoryStatus)
  const error = useAppStore((s) => s.inventoryError)
  const load = useAppStore((s) => s.loadInventory)
  const [draft, setDraft] = useState(locator)
  const [search, setSearch] = useState('')
  const [kind, setKind] = useState<'all' | 'connection' | 'variable'>('all')
  const [type, setType] = useState('')
  const [prefix, setPrefix] = useState('')
  const [format, setFormat] = useState<'uri' | 'json'>('uri')
  const [dialect, setDialect] = useState<'airflow2' | 'airflow3' | 'task-sdk'>('airflow3')
  const [copyError, setCopyError] = useState<ErrorDto | undefined>(undefined)
  // the entry whose drawer is open, by its row key
  const [open, setOpen] = useState<string | undefined>(undefined)
  useEffect(() => {
    if (status === 'idle') void load(locator)
  }, [status, load, locator])
  // The store field follows a store loaded from elsewhere (the command palette), and an id
  // opened there is shown alone, whatever the filters were.
  const searchRequest = useAppStore((s) => s.searchRequest)
  // (a request made before this screen was first shown is applied when it mounts)
  const [seen, setSeen] = useState<{ locator: string; searchRequest: typeof searchRequest }>({
    locator,
    searchRequest: undefined
  })
  if (seen.locator !== locator || seen.searchRequest !== searchRequest) {
    setSeen({ locator, searchRequest })
    if (seen.locator !== locator) setDraft(locator)
    if (seen.searchRequest !== searchRequest && searchRequest?.screen === 'inventory') {
      setSearch(searchRequest.text)
      setKind('all')
      setType('')
      setPrefix('')
    }
  }

  // (50 000 entries: one pass each, and no copy of the list when nothing filters it)
  const types = useMemo(() => {
    const seen = new Set<string>()
    for (const e of inventory?.entries ?? []) if (e.type) seen.add(e.type)
    return [...seen].sort()
  }, [inventory])
  // the rows shown, and how many of them are entries (the rest are problems, first)
  const [rows, shownEntries] = useMemo((): [Row[], number] => {
    const q = search.trim().toLowerCase()
    const all = inventory?.entries ?? []
    const unfiltered = kind === 'all' && !type && !prefix && !q
    const entries = unfiltered
      ? all
      : all.filter(
          (e) =>
            (kind === 'all' || e.kind === kind) &&
            (!type || e.type === type) &&
            (!prefix || e.id.startsWith(prefix)) &&
            (!q ||
              e.id.toLowerCase().includes(q) ||
              String(e.fields.host ?? '')
                .toLowerCase()
                .includes(q) ||
              String(e.fields.description ?? '')
                .toLowerCase()
                .includes(q))
        )
    // One row per unreadable entry, every reason it gave (a password and an extra may both fail).
    const byId = new Map<
      string,
      { kind: 'problem'; id: string; entryKind: string; message: string }
    >()
    const prefix0 = inventory ? `${inventory.storeId}: ` : ''
    for (const p of inventory?.problems ?? []) {
      if ((kind !== 'all' && p.kind !== kind) || (prefix && !p.id.startsWith(prefix))) continue
      const message = p.message.startsWith(prefix0) ? p.message.slice(prefix0.length) : p.message
      const key = `${p.kind}:${p.id}`
      const row = byId.get(key)
      if (row) row.message += `; ${message}`
      else byId.set(key, { kind: 'problem', id: p.id, entryKind: p.kind, message })
    }
    if (!byId.size) return [entries, entries.length]
    return [[...byId.values(), ...entries], entries.length]
  }, [inventory, search, kind, type, prefix])

  // the open entry, while the store still holds it (a reload or another store closes it)
  const opened = useMemo(
    () => (open === undefined ? undefined : inventory?.entries.find((e) => rowKey(e) === open)),
    [inventory, open]
  )
  // What the filters leave, per kind, for exporting a selection.
  const filtered = Boolean(search.trim() || type || prefix || kind !== 'all')
  const shownIds = useMemo(() => {
    if (!filtered) return undefined
    const ids = { connection: [] as string[], variable: [] as string[] }
    for (const r of rows) if (r.kind !== 'problem') ids[r.kind].push(r.id)
    return ids
  }, [rows, filtered])
  const shownLocator = inventory ? locator : draft
  // Short columns (kind, type, login) fit their longest value; id, host and source key share
  // the rest by their content's length and are cut with the whole value in the tooltip (the
  // host sooner than the others, so that every column stays in a 1280 px window).
  const columns: Column<Row>[] = [
    {
      key: 'kind',
      label: 'Kind',
      width: '6ch',
      render: (r) => (r.kind === 'problem' ? '⚠' : r.kind === 'connection' ? 'conn' : 'var')
    },
    {
      key: 'id',
      label: 'ID',
      fit: { text: (r) => r.id, min: 14, max: 32, grow: true },
      render: (r) => <span className="id">{r.id}</span>
    },
    {
      key: 'type',
      label: 'Type',
      fit: { text: (r) => (r.kind === 'problem' ? r.entryKind : (r.type ?? '')), min: 4, max: 14 },
      render: (r) => (r.kind === 'problem' ? r.entryKind : (r.type ?? ''))
    },
    {
      key: 'host',
      label: 'Host / description',
      fit: {
        text: (r) => plain(r, 'host') || plain(r, 'description'),
        min: 10,
        max: 40,
        grow: true,
        // gives way first: beside the side nav at 1280 px every column still fits
        floor: 10
      },
      render: (r) =>
        r.kind === 'problem' ? '' : String(r.fields.host ?? r.fields.description ?? '')
    },
    {
      key: 'login',
      label: 'Login',
      fit: { text: (r) => plain(r, 'login'), min: 5, max: 14 },
      render: (r) => plain(r, 'login')
    },
    {
      key: 'secret',
      label: 'Secret',
      width: 'minmax(150px, 190px)',
      render: (r) => {
        if (r.kind === 'problem') return ''
        const secrets = secretFieldsOf(r)
        if (!secrets.length) return <span className="muted">none</span>
        // Each secret field has its own reveal (a connection may hide a password and an extra).
        return (
          <span className="secrets">
            {secrets.map((field) => (
              <SecretCell
                key={`${r.kind}:${r.id}:${field}`}
                locator={locator}
                kind={r.kind}
                id={r.id}
                field={field as 'password' | 'extra' | 'value'}
                masked={String(r.fields[field] ?? '')}
                label={secrets.length > 1 ? field : undefined}
              />
            ))}
          </span>
        )
      }
    },
    {
      key: 'from',
      label: 'Source key',
      fit: {
        text: (r) => (r.kind === 'problem' ? '' : (r.fromKey ?? '')),
        min: 10,
        max: 40,
        grow: true
      },
      render: (r) => (r.kind === 'problem' ? '' : <span className="muted">{r.fromKey ?? ''}</span>)
    },
    {
      key: 'copy',
      label: '',
      width: '64px',
      render: (r) =>
        r.kind === 'problem' ? null : (
          <CopyButton
            locator={locator}
            kind={r.kind}
            id={r.id}
            format={format}
            dialect={dialect}
            onError={setCopyError}
          />
        )
    }
  ]

  return (
    <section data-testid="inventory" data-state={status}>
      <h2>Inventory</h2>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault()
          void load(draft.trim())
        }}
      >
        <LocatorField
          label="Store"
          testId="inventory-locator"
          value={draft}
          onChange={setDraft}
          placeholder="demo:, envfile:./.env, metadb:NAME"
          chooseTitle="Choose the store file to list"
        />
        <button type="submit" data-testid="inventory-load">
          Load
        </button>
        <span className="muted">{inventory?.storeId ?? shownLocator}</span>
      </form>
      <div className="toolbar">
        <input
          data-testid="inventory-search"
          data-search
          placeholder="Search id, host, description"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select
          data-testid="inventory-kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as typeof kind)}
          aria-label="Kind"
        >
          <option value="all">All kinds</option>
          <option value="connection">Connections</option>
          <option value="variable">Variables</option>
        </select>
        <select
          data-testid="inventory-type"
          value={type}
          onChange={(e) => setType(e.target.value)}
          aria-label="Connection type"
        >
          <option value="">All types</option>
          {types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <input
          data-testid="inventory-prefix"
          placeholder="Id prefix"
          value={prefix}
          onChange={(e) => setPrefix(e.target.value)}
        />
        <span className="spacer" />
        <label>
          Copy as
          <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
            <option value="uri">URI</option>
            <option value="json">JSON</option>
          </select>
        </label>
        <select
          value={dialect}
          onChange={(e) => setDialect(e.target.value as typeof dialect)}
          aria-label="Dialect"
        >
          <DialectOptions />
        </select>
      </div>
      <ErrorNote error={error} />
      <ErrorNote error={copyError} testId="copy-error" />
      {inventory && (
        <p className="muted" data-testid="inventory-count">
          {shownEntries} of {inventory.entries.length} entries
          {inventory.problems.length
            ? ` · ${new Set(inventory.problems.map((p) => `${p.kind}:${p.id}`)).size} could not be read`
            : ''}{' '}
          · values masked
        </p>
      )}
      {inventory && <ExportPanel locator={locator} shown={shownIds} />}
      <ListDetail
        className="inv-body"
        onClose={() => setOpen(undefined)}
        list={
          <VirtualTable
            testId="inventory-table"
            label="Entries of the store (values masked); Enter opens an entry's details"
            rows={rows}
            // with the drawer open (it has every field), the list keeps to what finds a row
            columns={opened ? columns.filter((c) => !DRAWER_HIDES.includes(c.key)) : columns}
            rowKey={rowKey}
            rowClass={(r) => (r.kind === 'problem' ? 'problem' : '')}
            fit
            wide={{
              after: 3,
              render: (r) =>
                r.kind === 'problem' ? (
                  <span className="problem-text" data-testid="problem" title={r.message}>
                    could not be read: {r.message}
                  </span>
                ) : undefined
            }}
            selectedKey={opened ? open : undefined}
            onActivate={(r) => {
              if (r.kind !== 'problem') setOpen(rowKey(r))
            }}
            onRowClick={(r) => {
              if (r.kind !== 'problem') setOpen(open === rowKey(r) ? undefined : rowKey(r))
            }}
          />
        }
        detail={
          opened &&
          inventory && (
            <InventoryDetail
              key={`${opened.kind}:${opened.id}:${locator}`}
              entry={opened}
              locator={locator}
              storeId={inventory.storeId}
              dialect={dialect}
              onClose={() => setOpen(undefined)}
            />
          )
        }
      />
    </section>
  )
}
