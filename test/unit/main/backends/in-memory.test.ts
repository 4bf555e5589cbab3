import { InMemoryBackend } from '../../../../src-main/backends/in-memory'
import { backendConformance } from '../../../support/backend-conformance'

backendConformance('in-memory', { create: async () => new InMemoryBackend({ id: 'memory:test' }) })
