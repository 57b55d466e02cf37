// Runs the api function's environment from the template in the real api
// bootstrap, under `pigeon serve` on 127.0.0.1. This checks that the function
// accepts the settings the app writes, and that the CORS preflight that API
// Gateway passes to the function returns each listed origin.
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { INFRA_DIR, makeTempDir, onlyResource, synthPigeon } from './helpers';

// The gcc build of the top folder, as `make` writes it (`make test` builds it
// before it runs these tests).
const BUILD = process.env.PIGEON_BUILD ?? path.resolve(INFRA_DIR, '..', 'build');
const PIGEON = path.join(BUILD, 'pigeon');
const BUILT = fs.existsSync(PIGEON) && fs.existsSync(path.join(BUILD, 'api', 'bootstrap'));

const SITE = 'https://www.example.com';
const LOCAL_SITE = 'http://127.0.0.1:8000';
const THANKS = 'https://www.example.com/thanks.html';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function send(url: string, method: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within 20 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Starts `pigeon serve` with envFile on ephemeral ports and resolves with the
// API's base URL once it prints "pigeon: ready".
function startServe(dataDir: string, envFile: string, log: string[]): Promise<{ proc: ChildProcess; api: string }> {
  return new Promise((resolve, reject) => {
    // Only PATH and HOME, so the caller's pigeon settings play no part.
    const proc = spawn(
      PIGEON,
      ['serve', '--port', '0', '--lambda-port', '0', '--data-dir', dataDir, '--env-file', envFile],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let api: string | undefined;
    let pending = '';
    const timer = setTimeout(() => {
      proc.kill('SIGTERM');
      reject(new Error(`pigeon serve was not ready within 20 s:\n${log.join('\n')}`));
    }, 20_000);
    proc.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
    proc.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        log.push(line);
        const match = /^pigeon: api (http:\/\/\S+)$/.exec(line);
        if (match) {
          api = match[1].replace(/\/$/, '');
        }
        if (line === 'pigeon: ready' && api !== undefined) {
          clearTimeout(timer);
          resolve({ proc, api });
        }
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pigeon serve exited with ${code}:\n${log.join('\n')}`));
    });
  });
}

function stopServe(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGINT');
  });
}

describe('the api function with the template environment', { skip: BUILT ? false : `${PIGEON} not built: run make` }, () => {
  const log: string[] = [];
  let proc: ChildProcess | undefined;
  let api = '';
  let env: Record<string, unknown> = {};

  before(async () => {
    const { api: template } = synthPigeon({
      corsAllowOrigin: ` ${SITE} ,${LOCAL_SITE}`,
      contactSuccessUrl: THANKS,
      contactErrorUrl: 'https://www.example.com/sorry.html',
      honeypotField: 'website',
      apiMaxEventBytes: '65536',
      notificationMaxChars: '300',
      version: 'v9.8.7-test',
    });
    env = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables;
    // LAMBDA_NOTIFICATIONS is an import here; pigeon serve sets its own.
    const lines = Object.entries(env)
      .filter(([, value]) => typeof value === 'string')
      .map(([name, value]) => `${name}=${value}\n`);
    const dir = makeTempDir();
    const envFile = path.join(dir, 'api.env');
    fs.writeFileSync(envFile, lines.join(''));
    ({ proc, api } = await startServe(path.join(dir, 'data'), envFile, log));
  });

  after(async () => {
    if (proc !== undefined) {
      await stopServe(proc);
    }
  });

  const preflight = (origin: string) =>
    send(`${api}/contact`, 'OPTIONS', {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    });

  it('echoes each listed origin in the preflight', async () => {
    assert.equal(env.CORS_ALLOW_ORIGIN, `${SITE},${LOCAL_SITE}`);
    for (const origin of [SITE, LOCAL_SITE]) {
      const answer = await preflight(origin);
      assert.equal(answer.status, 204, log.join('\n'));
      assert.equal(answer.headers['access-control-allow-origin'], origin);
      assert.match(String(answer.headers.vary), /Origin/);
      assert.match(String(answer.headers['access-control-allow-methods']), /POST/);
      assert.match(String(answer.headers['access-control-allow-headers']), /content-type/i);
    }
  });

  it('gives an unlisted origin no CORS headers', async () => {
    const answer = await preflight('https://evil.example');
    assert.equal(answer.status, 204);
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
    assert.equal(answer.headers['access-control-allow-methods'], undefined);
    const post = await send(
      `${api}/contact`,
      'POST',
      { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
      JSON.stringify({ source: 's', name: 'Ada', email: 'ada@example.com', description: 'Hello' }),
    );
    assert.equal(post.status, 403);
  });

  it('shows VERSION in GET /health', async () => {
    const answer = await send(`${api}/health`, 'GET', {});
    assert.equal(answer.status, 200, answer.body);
    assert.equal(JSON.parse(answer.body).version, 'v9.8.7-test');
  });

  it('redirects a browser form post to CONTACT_SUCCESS_URL', async () => {
    const answer = await send(
      `${api}/contact`,
      'POST',
      { Accept: 'text/html', 'Content-Type': 'application/x-www-form-urlencoded', Origin: SITE },
      'source=site&name=Ada&email=ada%40example.com&description=Hello&website=',
    );
    assert.equal(answer.status, 303, `${answer.body}\n${log.join('\n')}`);
    assert.equal(answer.headers.location, THANKS);
  });
});
