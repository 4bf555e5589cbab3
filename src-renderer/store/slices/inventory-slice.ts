import type { StateCreator } from 'zustand'
import type { EntriesDto, IpcResult } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** One store's entries, masked (revealed values live in component state only). */
export interface InventorySlice {
  inventoryLocator: string
  inventory: EntriesDto | undefined
  inventoryStatus: 'idle' | 'loading' | 'ready' | 'failed'
  inventoryError: ErrorDto | undefined
  /**
   * Shows the store at `locator`; `asked`, when given, is its listing asked for already (the
   * page asks for the first screen's store while the app's script still loads).
   */
  loadInventory: (locator: string, asked?: Promise<IpcResult<EntriesDto>>) => Promise<void>
}

/** The store the Inventory shows first. */
export const FIRST_INVENTORY_LOCATOR = 'demo:'

export const createInventorySlice: StateCreator<AppState, [], [], InventorySlice> = (set, get) => ({
  inventoryLocator: FIRST_INVENTORY_LOCATOR,
  inventory: undefined,
  inventoryStatus: 'idle',
  inventoryError: undefined,
  loadInventory: async (locator, asked) => {
    set({ inventoryStatus: 'loading', inventoryLocator: locator })
    // (a bridge that rejects, as Electron's does when main throws, is a failed listing too)
    const r = await (asked ?? get().bridge.invoke('entries:list', { locator })).catch(
      (): IpcResult<EntriesDto> => ({
        ok: false,
        error: { code: 'internal', message: 'The store could not be listed: no answer came.' }
      })
    )
    // A slower answer for a store no longer shown is dropped.
    if (get().inventoryLocator !== locator) return
    if (!r.ok)
      return set({ inventoryStatus: 'failed', inventoryError: r.error, inventory: undefined })
    set({ inventoryStatus: 'ready', inventory: r.value, inventoryError: undefined })
  }
})
