import { runDemo } from './story.js'

// `npm run demo`: see story.ts. PORT picks another port when 8080 is taken.
const port = Number(process.env.PORT ?? 8080)

try {
  const demo = await runDemo(port, (text) => { console.log(text) })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { void demo.close().then(() => process.exit(0)) })
  }
} catch (err) {
  console.error(`demo could not start on 127.0.0.1:${port} (${(err as Error).message}); try PORT=8081 npm run demo`)
  process.exit(1)
}
