// Shared helpers of the infra tests: placeholder zips and synthesised apps.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PigeonStacks, addPigeonStacks } from '../lib/app';
import { readConfig } from '../lib/config';

export const INFRA_DIR = path.resolve(__dirname, '..');

// Feature flags and CLI settings from cdk.json, so tests synthesise the way
// `cdk synth` does.
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(INFRA_DIR, 'cdk.json'), 'utf8'),
).context;

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pigeon-infra-test-'));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) {
    c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  readonly name: string;
  readonly content: string;
  // Unix permission bits, or 0 to record no Unix attributes at all.
  readonly mode: number;
}

// Writes an uncompressed ("stored") zip archive of the entries to zipPath.
export function writeZip(zipPath: string, entries: ZipEntry[]): string {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const content = Buffer.from(entry.content, 'utf8');
    const crc = crc32(content);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4); // version needed: 1.0
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(content.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, content);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    // Made by Unix (3) when a mode is recorded, else MS-DOS (0), spec version 2.0.
    central.writeUInt16LE(((entry.mode !== 0 ? 3 : 0) << 8) | 20, 4);
    central.writeUInt16LE(10, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(content.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(entry.mode !== 0 ? ((0o100000 | entry.mode) << 16) >>> 0 : 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + content.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(zipPath, Buffer.concat([...locals, directory, end]));
  return zipPath;
}

// Writes a zip with an executable shell-script bootstrap at its root.
export function writeBootstrapZip(zipPath: string, label: string): string {
  return writeZip(zipPath, [{ name: 'bootstrap', content: `#!/bin/sh\necho ${label}\n`, mode: 0o755 }]);
}

export interface SynthResult {
  readonly app: App;
  readonly stacks: PigeonStacks;
  readonly notifications: Template;
  readonly api: Template;
}

// Synthesises both stacks with placeholder zips and the given context
// settings, ignoring the environment of the test process.
export function synthPigeon(settings: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): SynthResult {
  const dir = makeTempDir();
  const context: Record<string, string> = {
    apiZip: writeBootstrapZip(path.join(dir, 'api.zip'), 'api'),
    notificationsZip: writeBootstrapZip(path.join(dir, 'notifications.zip'), 'notifications'),
    ...settings,
  };
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context }, outdir: path.join(dir, 'cdk.out') });
  const stacks = addPigeonStacks(app, readConfig((key) => app.node.tryGetContext(key), env));
  return {
    app,
    stacks,
    notifications: Template.fromStack(stacks.notifications),
    api: Template.fromStack(stacks.api),
  };
}

// Returns the single resource of a type, failing when there are more or none.
export function onlyResource(template: Template, type: string): { id: string; properties: any } {
  const found = template.findResources(type);
  const ids = Object.keys(found);
  if (ids.length !== 1) {
    throw new Error(`expected one ${type}, found ${ids.length}`);
  }
  return { id: ids[0], properties: found[ids[0]].Properties };
}
