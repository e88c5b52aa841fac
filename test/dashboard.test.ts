import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startGateway } from './helpers/gateway.js'
import { startUpstream } from './helpers/upstream.js'

// The Grafana dashboard queries only metrics the gateway exposes, and the compose monitoring
// profile wires Prometheus and Grafana to it. (No Docker engine here: the files are read, not run.)

const root = fileURLToPath(new URL('..', import.meta.url))
const read = (path: string): string => readFileSync(`${root}/${path}`, 'utf8')

interface Panel { title: string, targets: Array<{ expr: string }> }
const dashboard = JSON.parse(read('dashboards/gateway.json')) as { uid: string, panels: Panel[] }

/** The metric families a PromQL expression reads (a histogram's _bucket, _sum, _count are its family). */
const familiesIn = (expr: string): string[] => [...expr.matchAll(/\b(gateway_[a-z_]+)/g)].map((match) => (match[1] as string).replace(/_(bucket|sum|count)$/, ''))

t.test('every metric the dashboard queries exists on /metrics', async (t) => {
  const upstream = await startUpstream()
  t.teardown(upstream.close)
  const app = await startGateway(t, upstream.url)
  const exposed = (await app.inject('/metrics')).body
  const queried = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => familiesIn(target.expr))))
  t.ok(queried.size >= 7, 'the dashboard queries the gateway\'s metrics')
  for (const family of queried) t.match(exposed, new RegExp(`^# TYPE ${family} `, 'm'), family)
})

t.test('the dashboard shows what the issue asks for', async (t) => {
  const titles = dashboard.panels.map((panel) => panel.title)
  for (const title of ['Requests by outcome', 'Revocations by kind', 'Mirror size', 'Mirror staleness', 'Revocation propagation latency', 'Fail-open requests', 'Audit failures']) {
    t.ok(titles.includes(title), title)
  }
})

t.test('the compose monitoring profile scrapes the gateway and provisions the dashboard', async (t) => {
  const compose = read('docker-compose.yml')
  t.match(compose, /prometheus:\n(.*\n)*? {4}profiles: \["monitoring"\]/)
  t.match(compose, /grafana:\n(.*\n)*? {4}profiles: \["monitoring"\]/)
  t.match(compose, /\.\/dashboards:\/var\/lib\/grafana\/dashboards/)
  t.match(compose, /\.\/monitoring\/grafana\/provisioning:\/etc\/grafana\/provisioning/)
  t.match(read('monitoring/prometheus.yml'), /targets: \["gateway:8080"\]/)
  t.match(read('monitoring/prometheus.yml'), /metrics_path: \/metrics/)
  t.match(read('monitoring/grafana/provisioning/dashboards/gateway.yml'), /path: \/var\/lib\/grafana\/dashboards/)
  t.match(read('monitoring/grafana/provisioning/datasources/prometheus.yml'), /url: http:\/\/prometheus:9090/)
})
