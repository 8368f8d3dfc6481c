// Serves the browser demo on localhost: node scripts/serve.mjs [--port N] (0 picks a free one).
// Prints the address on stdout once listening.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '8080' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve: --port must be an integer from 0 to 65535, got '${values.port}'`);
  process.exit(2);
}
const root = join(process.cwd(), 'web');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.css': 'text/css', '.svg': 'image/svg+xml' };

const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = join(root, path === '/' ? 'index.html' : path);
  if (!file.startsWith(root)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
});
server.on('error', (e) => {
  console.error(`serve: cannot listen on port ${port}: ${e.code ?? e.message}`);
  process.exit(2);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`metagrad demo: http://127.0.0.1:${server.address().port}/`);
});
