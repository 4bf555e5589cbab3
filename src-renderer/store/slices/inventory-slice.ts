import type { StateCreator } from 'zustand'
import type { EntriesDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** One store's entries, masked (revealed values live in component state only). */
export interface InventorySlice {
  inventoryLocator: string
  inventory: EntriesDto | undefined
  inventoryStatus: 'idle' | 'loading' | 'ready' | 'failed'
  inventoryError: ErrorDto | undefined
  loadInventory: (locator: string) => Promise<void>
}

export const createInventorySlice: StateCreator<AppState, [], [], InventorySlice> = (set, get) => ({
  inventoryLocator: 'demo:',
  inventory: undefined,
  inventoryStatus: 'idle',
  inventoryError: undefined,
  loadInventory: async (locator) => {
    set({ inventoryStatus: 'loading', inventoryLocator: locator })
    const r = await get().bridge.invoke('entries:list', { locator })
    // A slower answer for a store no longer shown is dropped.
    if (get().inventoryLocator !== locator) return
    if (!r.ok)
      return set({ inventoryStatus: 'failed', inventoryError: r.error, inventory: undefined })
    set({ inventoryStatus: 'ready', inventory: r.value, inventoryError: undefined })
  }
})
