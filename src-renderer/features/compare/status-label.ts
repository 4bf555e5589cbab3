import type { CompareItemDto } from '../../../src-main/contract/ipc'

/** How the Compare screen names each status, in the terms of A and B. */
export const STATUS_LABEL: Record<CompareItemDto['status'], string> = {
  'only-a': 'only in A',
  'only-b': 'only in B',
  differs: 'differs',
  same: 'same'
}
