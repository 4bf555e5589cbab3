/**
 * Handlers of the `entries:*` and `export:*` channels: a store's entries masked, one field
 * revealed on request, an entry copied as a URI or JSON, a store exported as Airflow writes it.
 */
import { existsSync, statSync } from 'node:fs'
import { replaceFile } from '../../platform/atomic-write'
import type {
  CopyRequest,
  EntriesDto,
  EntriesRequest,
  EntryDto,
  ExportRequest,
  RevealRequest
} from '../../contract/ipc'
import { MASKED } from '../../contract/ipc'
import type { Backend } from '../../backends/backend'
import { withStore as openStore } from '../../operations/open-store'
import { connectionToJson } from '../../core/codecs/connection-json'
import { serializeConnectionUri } from '../../core/codecs/connection-uri'
import { AirlockError } from '../../core/errors'
import type { Entry } from '../../core/model'
import { nameUnreadable, unreadableEntries } from '../../core/unreadable'
import { maskExtra } from '../../platform/redact'
import { renderStoreExport, type ExportFormat } from '../../operations/export'
import type { HandlerContext } from './context'

/** Keeps the fields that hold something: the answer leaves nulls out (absent means null). */
function present(
  fields: Record<string, string | number | null>
): Partial<Record<string, string | number>> {
  const out: Partial<Record<string, string | number>> = {}
  for (const [k, v] of Object.entries(fields)) if (v !== null) out[k] = v
  return out
}

/** An entry with its secret fields masked; null and empty parts left out (see EntryDto). */
export function maskedEntry(e: Entry): EntryDto {
  const team = e.team ?? null
  const fromKey = e.source?.fromKey ?? null
  const common = {
    ...(team !== null && { team }),
    ...(fromKey !== null && { fromKey })
  }
  if (e.kind === 'variable')
    return {
      kind: 'variable',
      id: e.key,
      ...common,
      fields: present({ value: MASKED, description: e.description }),
      secretFields: ['value']
    }
  const f = e.fields
  const extra = maskExtra(f.extra)
  const secretFields = [
    ...(f.password !== null ? ['password'] : []),
    ...(f.extra !== null && extra !== f.extra ? ['extra'] : [])
  ]
  return {
    kind: 'connection',
    id: e.id,
    ...common,
    ...(f.conn_type !== null && { type: f.conn_type }),
    fields: present({
      conn_type: f.conn_type,
      description: f.description,
      host: f.host,
      login: f.login,
      password: f.password === null ? null : MASKED,
      schema: f.schema,
      port: f.port,
      extra
    }),
    ...(secretFields.length > 0 && { secretFields })
  }
}

function withStore<T>(
  ctx: HandlerContext,
  locator: string,
  options: Parameters<HandlerContext['locatorOptions']>[0],
  run: (backend: Backend) => Promise<T>
): Promise<T> {
  return openStore(
    locator,
    {
      ...ctx.locatorOptions(options),
      mustExist: 'A store to read must exist (a missing file would read as empty).'
    },
    run
  )
}

/** `entries:list`: everything in the store, masked, and what could not be read. */
export function listEntries(ctx: HandlerContext, request: EntriesRequest): Promise<EntriesDto> {
  return withStore(
    ctx,
    request.locator,
    { kinds: request.kinds, dialect: request.dialect },
    async (backend) => {
      const { entries, problems } = await backend.load({ kinds: request.kinds })
      return {
        storeId: backend.id,
        entries: entries.map(maskedEntry),
        problems: problems.map((p) => ({
          kind: p.ref.kind,
          id: p.ref.id,
          code: p.code,
          message: p.message
        }))
      }
    }
  )
}

async function readOne(backend: Backend, kind: Entry['kind'], id: string): Promise<Entry> {
  const entry = await backend.read({ kind, id })
  if (!entry)
    throw new AirlockError('backend.not-found', `${backend.id} holds no ${kind} "${id}" now.`)
  return entry
}

/** `entries:reveal`: one field of one entry, on explicit request. */
export function revealEntry(
  ctx: HandlerContext,
  request: RevealRequest
): Promise<{ value: string | null }> {
  return withStore(ctx, request.locator, { kinds: [request.kind] }, async (backend) => {
    const e = await readOne(backend, request.kind, request.id)
    if (e.kind === 'variable') {
      if (request.field !== 'value')
        throw new AirlockError('usage', 'A variable has only its value to reveal.')
      return { value: e.value }
    }
    if (request.field === 'value')
      throw new AirlockError('usage', 'Reveal a connection field: password or extra.')
    return { value: e.fields[request.field] }
  })
}

/** `entries:copy`: the entry as Airflow would write it (URI or connection JSON) in a dialect. */
export function copyEntry(ctx: HandlerContext, request: CopyRequest): Promise<{ text: string }> {
  return withStore(
    ctx,
    request.locator,
    { kinds: [request.kind], dialect: request.dialect },
    async (backend) => {
      const e = await readOne(backend, request.kind, request.id)
      if (e.kind === 'variable')
        return { text: request.format === 'json' ? JSON.stringify(e.value) : e.value }
      return {
        text:
          request.format === 'uri'
            ? serializeConnectionUri(e.fields, request.dialect)
            : connectionToJson(e.fields, request.dialect)
      }
    }
  )
}

/** What exporting to `to` would replace: undefined when nothing is there. */
function exportReplaces(to: string): string | undefined {
  if (!existsSync(to)) return undefined
  return statSync(to).isDirectory() ? undefined : `replace the existing file ${to}`
}

/** `export:write`: the store as Airflow's export files (or env lines), written atomically. */
export function exportEntries(
  ctx: HandlerContext,
  request: ExportRequest
): Promise<{ path: string; count: number; warnings: string[] }> {
  // the app asks before replacing a file; this is the gate, the dialog only its question
  const replaces = exportReplaces(request.to)
  if (replaces && !request.overwrite)
    return Promise.reject(
      new AirlockError(
        'confirm.required',
        `${request.to} exists: confirm to ${replaces} (nothing was written).`
      )
    )
  return withStore(
    ctx,
    request.locator,
    { kinds: [request.kind], dialect: request.dialect },
    async (backend) => {
      const { entries, problems, text, warnings } = await renderStoreExport(backend, {
        kind: request.kind,
        format: request.format as ExportFormat,
        dialect: request.dialect,
        serialization: request.serialization,
        ids: request.ids
      })
      if (text === undefined) {
        const unreadable = unreadableEntries(problems.map((p) => p.ref))
        throw new AirlockError(
          'job.conflict',
          `${unreadable.length} entries of ${backend.id} could not be read (${nameUnreadable(unreadable)}); nothing was written.`
        )
      }
      await replaceFile(request.to, text)
      return { path: request.to, count: entries.length, warnings }
    }
  )
}
