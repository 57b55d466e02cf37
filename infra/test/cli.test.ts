// Runs `cdk synth` through the CLI the way a developer does, offline.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { INFRA_DIR, makeTempDir, writeBootstrapZip } from './helpers';

const CDK = path.join(INFRA_DIR, 'node_modules', '.bin', 'cdk');

function runCdk(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(CDK, args, {
    cwd: INFRA_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_DISABLE_CLI_TELEMETRY: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cdk synth', () => {
  it('writes both templates from zips given by environment', () => {
    const dir = makeTempDir();
    const out = path.join(dir, 'cdk.out');
    const result = runCdk(['synth', '--quiet', '--output', out], {
      PIGEON_API_ZIP: writeBootstrapZip(path.join(dir, 'api.zip'), 'api'),
      PIGEON_NOTIFICATIONS_ZIP: writeBootstrapZip(path.join(dir, 'notifications.zip'), 'notifications'),
      CORS_ALLOW_ORIGIN: 'https://example.com',
    });
    assert.equal(result.status, 0, result.stderr);

    const api = JSON.parse(fs.readFileSync(path.join(out, 'pigeon-api.template.json'), 'utf8'));
    const fn = Object.values(api.Resources).find((r: any) => r.Type === 'AWS::Lambda::Function') as any;
    assert.equal(fn.Properties.Environment.Variables.CORS_ALLOW_ORIGIN, 'https://example.com');
    assert.ok(fs.existsSync(path.join(out, 'pigeon-notifications.template.json')));
  });

  it('lets -c override the environment', () => {
    const dir = makeTempDir();
    const out = path.join(dir, 'cdk.out');
    const result = runCdk(
      ['synth', '--quiet', '--output', out, '-c', 'placeholderCode=true', '-c', 'stackPrefix=pigeon-test'],
      { PIGEON_STACK_PREFIX: 'ignored', PIGEON_API_ZIP: path.join(dir, 'none.zip'), PIGEON_NOTIFICATIONS_ZIP: path.join(dir, 'none.zip') },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.ok(fs.existsSync(path.join(out, 'pigeon-test-api.template.json')));
    assert.match(result.stderr, /placeholder code/);
  });

  it('fails clearly when a zip is missing', () => {
    const dir = makeTempDir();
    const result = runCdk(['synth', '--quiet', '--output', path.join(dir, 'cdk.out')], {
      PIGEON_API_ZIP: path.join(dir, 'api.zip'),
      PIGEON_NOTIFICATIONS_ZIP: path.join(dir, 'notifications.zip'),
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /pigeon infra: notificationsZip: .* not found\. Run `make package` first/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'stack trace printed for a configuration error');
  });
});
