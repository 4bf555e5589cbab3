import { describe, expect, it } from 'vitest'
import {
  astroSettingsEntries,
  astroSettingsLists,
  decodeAstroSettings,
  newAstroSettingsDocument,
  removeAstroItems,
  setAstroConnection,
  setAstroVariable
} from '../../../../../src-main/core/codecs/astro-settings'
import { emptyConnectionFields } from '../../../../../src-main/core/model'

describe('astro-settings codec', () => {
  it('round-trips a connection and a variable through the YAML document', () => {
    const doc = newAstroSettingsDocument()
    const lists = astroSettingsLists(doc)
    const fields = {
      ...emptyConnectionFields(),
      conn_type: 'postgres',
      host: 'db',
      port: 5432,
      password: '0123',
      extra: '{"a": 1}'
    }
    setAstroConnection(doc, lists.connections, 'pg', fields)
    setAstroVariable(doc, lists.variables, 'flag', 'true')
    const settings = decodeAstroSettings(doc.toString())
    expect(settings.problems).toEqual([])
    const built = astroSettingsEntries(settings, 'airflow3')
    expect(built.connections.get('pg')?.entry.fields).toEqual(fields)
    expect(built.variables.get('flag')?.entry.value).toBe('true')
  })

  it("21: what astro sends but Airflow's API refuses (no conn_type) is a problem, not a good connection", () => {
    const text = `airflow:
  connections:
    - conn_id: fields_beside_uri
      conn_host: h
      conn_uri: postgres://u@db/x
    - conn_id: uri_without_scheme
      conn_uri: //h:5432/x
    - conn_id: good
      conn_type: http
`
    const built = astroSettingsEntries(decodeAstroSettings(text), 'airflow3')
    expect([...built.connections.keys()]).toEqual(['good'])
    expect(built.problems.map((p) => [p.key, p.message])).toEqual([
      [
        'fields_beside_uri',
        expect.stringMatching(/without conn_type; Airflow's API refuses it \(422/)
      ],
      ['uri_without_scheme', expect.stringMatching(/no scheme.*422/)]
    ])
  })

  it("unescapes a conn_uri's parts as Go's net/url does, a leading BOM's bytes kept", () => {
    const text = `airflow:
  connections:
    - conn_id: bom
      conn_uri: postgres://%EF%BB%BFuser:%EF%BB%BF%FFpw@db/%EF%BB%BFx
`
    const built = astroSettingsEntries(decodeAstroSettings(text), 'airflow3')
    const fields = built.connections.get('bom')?.entry.fields
    // Go keeps every byte and Python's .decode(…, 'replace') keeps the BOM: U+FEFF stays
    expect([fields?.login, fields?.password, fields?.schema]).toEqual([
      '\ufeffuser',
      '\ufeff\ufffdpw',
      '\ufeffx'
    ])
  })

  it('decodes weakly as mapstructure does and keeps comments on edit', () => {
    const text =
      '# mine\nairflow:\n  variables:\n    - variable_name: n\n      variable_value: 0123\n'
    const settings = decodeAstroSettings(text)
    expect(astroSettingsEntries(settings, 'airflow3').variables.get('n')?.entry.value).toBe('83')
    removeAstroItems(settings.doc, astroSettingsLists(settings.doc).variables, 'variable_name', 'n')
    expect(settings.doc.toString()).toContain('# mine')
    expect(
      astroSettingsEntries(decodeAstroSettings(settings.doc.toString()), 'airflow3').variables.size
    ).toBe(0)
  })
})
