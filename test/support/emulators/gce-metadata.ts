/**
 * A loopback stand-in for the GCE metadata server google-auth-library (gcp-metadata) asks
 * for Application Default Credentials: point it here with `GCE_METADATA_HOST` (host:port).
 *
 * - `gce`: answers as on a Compute Engine machine (`Metadata-Flavor: Google` both ways):
 *   the instance, the project id, the universe domain, and the default service account's
 *   email and access token; anything else 404.
 * - `refusing`: 403 to everything, as a proxy between a machine and 169.254.169.254 may
 *   answer (this is what gcp-metadata meets where there is no metadata server but something
 *   answers for it).
 *
 * `requests` lists the paths asked for.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GceMetadataServer {
  /** `127.0.0.1:<port>`, for GCE_METADATA_HOST. */
  host: string
  requests: string[]
  /** The access token the `gce` server hands out. */
  token: string
  stop(): Promise<void>
}

export async function startGceMetadataServer(
  mode: 'gce' | 'refusing',
  { projectId = 'demo-proj', email = 'default@demo-proj.iam.gserviceaccount.com' } = {}
): Promise<GceMetadataServer> {
  const requests: string[] = []
  const token = 'ya29.gce-metadata-emulator-token'
  const answers: Record<string, string> = {
    '/computeMetadata/v1/instance': '{}',
    '/computeMetadata/v1/project/project-id': projectId,
    '/computeMetadata/v1/universe/universe-domain': 'googleapis.com',
    '/computeMetadata/v1/instance/service-accounts/default/email': email,
    '/computeMetadata/v1/instance/service-accounts/default/token': JSON.stringify({
      access_token: token,
      expires_in: 3600,
      token_type: 'Bearer'
    })
  }
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!
    requests.push(path)
    if (mode === 'refusing') {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden')
      return
    }
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Missing Metadata-Flavor')
      return
    }
    const body = answers[path.replace(/\/+$/, '')]
    res
      .writeHead(body === undefined ? 404 : 200, {
        'metadata-flavor': 'Google',
        'content-type': 'application/text'
      })
      .end(body ?? 'Not Found')
  }
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    requests,
    token,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
