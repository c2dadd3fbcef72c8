import type { Server, ServerResponse } from 'node:http'

/**
 * Stops an HTTP server without cutting a response short. `drain()` stops listening, closes idle
 * keep-alive connections at once and every other one after the response it is sending (with
 * `Connection: close` when its headers are not yet out), and resolves once the last one has closed.
 */
export function connectionDrain(server: Server) {
  const inFlight = new Set<ServerResponse>()
  let draining = false

  // Before the application's own listener, so a response started while draining is marked too.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) res.setHeader('Connection', 'close')
    inFlight.add(res)
    res.on('close', () => {
      inFlight.delete(res)
      // A response whose headers were sent before the drain began left its connection open.
      if (draining) setImmediate(() => server.closeIdleConnections())
    })
  })

  return {
    drain(): Promise<void> {
      draining = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close')
      server.closeIdleConnections()
      return closed
    },
  }
}
