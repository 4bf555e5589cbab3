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
