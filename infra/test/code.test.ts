// Tests of the function code loader and its zip layout check.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, REPO_ROOT } from '../lib/config';
import { PLACEHOLDER_DIR, checkBootstrapZip, loadFunctionCode } from '../lib/code';
import { makeTempDir, writeBootstrapZip, writeZip } from './helpers';

const dir = makeTempDir();

function assertZipRejected(zipPath: string, message: RegExp): void {
  assert.throws(
    () => checkBootstrapZip(zipPath, 'apiZip'),
    (err: unknown) => err instanceof ConfigError && message.test(err.message),
  );
}

describe('checkBootstrapZip', () => {
  it('accepts an executable bootstrap at the root', () => {
    checkBootstrapZip(writeBootstrapZip(path.join(dir, 'ok.zip'), 'ok'), 'apiZip');
  });

  it('accepts a zip without Unix modes', () => {
    const zip = writeZip(path.join(dir, 'dos.zip'), [
      { name: 'lib/', content: '', mode: 0 },
      { name: 'bootstrap', content: 'x', mode: 0 },
    ]);
    checkBootstrapZip(zip, 'apiZip');
  });

  it('finds bootstrap after other entries', () => {
    const zip = writeZip(path.join(dir, 'many.zip'), [
      { name: 'README', content: 'readme', mode: 0o644 },
      { name: 'bootstrap', content: 'x', mode: 0o755 },
    ]);
    checkBootstrapZip(zip, 'apiZip');
  });

  it('rejects a bootstrap in a folder', () => {
    const zip = writeZip(path.join(dir, 'nested.zip'), [{ name: 'api/bootstrap', content: 'x', mode: 0o755 }]);
    assertZipRejected(zip, /has no bootstrap file at its root/);
  });

  it('rejects a bootstrap without execute permission', () => {
    const zip = writeZip(path.join(dir, 'noexec.zip'), [{ name: 'bootstrap', content: 'x', mode: 0o644 }]);
    assertZipRejected(zip, /without execute permission/);
  });

  it('rejects a file that is not a zip', () => {
    const file = path.join(dir, 'text.zip');
    fs.writeFileSync(file, 'not a zip archive');
    assertZipRejected(file, /is not a zip file/);
    const empty = path.join(dir, 'empty.zip');
    fs.writeFileSync(empty, '');
    assertZipRejected(empty, /is not a zip file/);
  });

  it('rejects a truncated central directory', () => {
    const zip = writeZip(path.join(dir, 'cut.zip'), [{ name: 'README', content: 'readme', mode: 0o644 }]);
    const data = fs.readFileSync(zip);
    // Claim two entries where the directory contains one.
    data.writeUInt16LE(2, data.length - 22 + 10);
    fs.writeFileSync(zip, data);
    assertZipRejected(zip, /damaged central directory at entry 1/);
  });

  it('rejects a folder', () => {
    assertZipRejected(dir, /is not a file/);
  });
});

describe('loadFunctionCode', () => {
  it('explains a missing zip', () => {
    const missing = path.join(dir, 'missing.zip');
    assert.throws(
      () => loadFunctionCode(missing, 'apiZip', false),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes(missing) &&
        err.message.includes('make package') &&
        err.message.includes('placeholderCode=true'),
    );
  });

  it('falls back to the placeholder when allowed', () => {
    const code = loadFunctionCode(path.join(dir, 'missing.zip'), 'apiZip', true);
    assert.equal(code.isPlaceholder, true);
    const mode = fs.statSync(path.join(PLACEHOLDER_DIR, 'bootstrap')).mode;
    assert.ok((mode & 0o111) !== 0, 'placeholder bootstrap is not executable');
  });

  it('prefers an existing zip to the placeholder', () => {
    const code = loadFunctionCode(writeBootstrapZip(path.join(dir, 'real.zip'), 'real'), 'apiZip', true);
    assert.equal(code.isPlaceholder, false);
  });
});

describe('the zips of make package', () => {
  // Present after `make package` in the top folder; about 8 MB each.
  const zips = ['api', 'notifications'].map((name) => path.join(REPO_ROOT, 'dist', `${name}.zip`));
  const built = zips.every((zip) => fs.existsSync(zip));

  it('pass the layout check', { skip: built ? false : 'dist/*.zip not built: run make package' }, () => {
    for (const zip of zips) {
      checkBootstrapZip(zip, 'apiZip');
      assert.equal(loadFunctionCode(zip, 'apiZip', false).isPlaceholder, false);
    }
  });
});
