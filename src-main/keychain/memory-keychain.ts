/** Secrets held in memory for this run only, when no OS keychain answers. */
import type { Keychain } from './keychain'

export class MemoryKeychain implements Keychain {
  readonly kind = 'memory' as const
  readonly warning?: string
  private readonly items = new Map<string, string>()

  constructor(warning?: string) {
    this.warning = warning
  }

  async get(account: string): Promise<string | undefined> {
    return this.items.get(account)
  }

  async set(account: string, secret: string): Promise<void> {
    this.items.set(account, secret)
  }

  async delete(account: string): Promise<boolean> {
    return this.items.delete(account)
  }

  async list(): Promise<string[]> {
    return [...this.items.keys()]
  }
}
