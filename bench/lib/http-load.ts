/**
 * A closed-loop HTTP load: `connections` clients on kept-alive sockets, each sending its next
 * request when the last is answered, for a fixed time. Each client keeps its cookies, as a browser
 * would.
 */
import http from 'node:http'

export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
}

export interface LoadResult {
  requests: number
  perSecond: number
  p50: number
  p99: number
  /** Answers with another status than the expected one. */
  unexpected: number
}

export interface Answer {
  status: number
  body: string
  headers: http.IncomingHttpHeaders
}

/** One browser-like client: its own cookies, on the shared agent. */
export class Client {
  private readonly cookies = new Map<string, string>()

  constructor(
    private readonly port: number,
    private readonly agent: http.Agent,
  ) {}

  send(request: LoadRequest): Promise<Answer> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: request.method,
          path: request.path,
          agent: this.agent,
          headers: {
            ...(cookie ? { cookie } : {}),
            ...(request.body !== undefined
              ? {
                  'content-type': 'application/x-www-form-urlencoded',
                  'content-length': String(Buffer.byteLength(request.body)),
                }
              : {}),
            ...request.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => {
            for (const line of res.headers['set-cookie'] ?? []) {
              const [pair = ''] = line.split(';')
              const at = pair.indexOf('=')
              if (at > 0) this.cookies.set(pair.slice(0, at), pair.slice(at + 1))
            }
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              headers: res.headers,
            })
          })
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(request.body)
    })
  }
}

export function agentFor(connections: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: connections })
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0

/**
 * Runs the load for `seconds`: each client asks `next(client, n)` for its n-th request (after
 * `prepare`, untimed) and every answer is expected to have `expected` status.
 */
export async function runLoad<T>(options: {
  clients: { client: Client; state: T }[]
  seconds: number
  expected: number
  next: (state: T, n: number) => LoadRequest
}): Promise<LoadResult> {
  const latencies: number[] = []
  let unexpected = 0
  const started = performance.now()
  const ends = started + options.seconds * 1000
  await Promise.all(
    options.clients.map(async ({ client, state }) => {
      for (let n = 0; performance.now() < ends; n++) {
        const at = performance.now()
        const answer = await client.send(options.next(state, n))
        latencies.push(performance.now() - at)
        if (answer.status !== options.expected) unexpected++
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    unexpected,
  }
}
