import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startProcess } from './processes.js'

/** nginx as a native proxy reference, when it is installed; null otherwise. */
export async function startNginx (upstreamPort: number): Promise<string | null> {
  const binary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => {
    try {
      execFileSync(path, ['-v'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })
  if (binary === undefined) return null
  const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'))
  const port = await freePort()
  const config = join(dir, 'nginx.conf')
  writeFileSync(config, `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream api { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`)
  await startProcess('nginx', binary, ['-e', join(dir, 'error.log'), '-c', config, '-p', dir], {}, { url: `http://127.0.0.1:${port}/api/orders` })
  return `http://127.0.0.1:${port}`
}
