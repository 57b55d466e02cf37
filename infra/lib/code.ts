// Lambda code of the two custom-runtime functions.
//
// `make package` writes dist/api.zip and dist/notifications.zip with an
// executable `bootstrap` at the root of each. The app checks that before it
// stages a zip, because Lambda reports a wrong layout only at the first
// invocation. When a zip is missing, synthesis fails unless placeholder code
// was asked for, which lets `cdk synth` and `cdk diff` run before the C build.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConfigError } from './config';

// Folder whose `bootstrap` script fails every invocation with a clear message.
export const PLACEHOLDER_DIR = path.resolve(__dirname, '..', 'placeholder');

export interface FunctionCode {
  readonly code: lambda.Code;
  readonly isPlaceholder: boolean;
}

// Returns the code for one function. `setting` names the configuration key
// that points at the zip, for error messages.
export function loadFunctionCode(zipPath: string, setting: string, allowPlaceholder: boolean): FunctionCode {
  if (!fs.existsSync(zipPath)) {
    if (allowPlaceholder) {
      return { code: lambda.Code.fromAsset(PLACEHOLDER_DIR), isPlaceholder: true };
    }
    throw new ConfigError(
      `${setting}: ${zipPath} not found. Run \`make package\` first, point ${setting} at the zip, ` +
        'or pass -c placeholderCode=true to synthesise with placeholder code',
    );
  }
  checkBootstrapZip(zipPath, setting);
  return { code: lambda.Code.fromAsset(zipPath), isPlaceholder: false };
}

// Lambda's limit for a deployment package is 250 MB unzipped, so a larger
// zip cannot be deployed and is not read into memory.
const MAX_ZIP_BYTES = 250 * 1024 * 1024;

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_ENTRY_SIGNATURE = 0x02014b50;
const EOCD_MIN_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const UNIX_HOST = 3;

// Throws a ConfigError unless the zip's central directory lists a file named
// `bootstrap` at the root. When the zip records Unix permissions, the file
// must also be executable, because Lambda keeps those permissions.
export function checkBootstrapZip(zipPath: string, setting: string): void {
  const fail = (reason: string): never => {
    throw new ConfigError(`${setting}: ${zipPath} ${reason}`);
  };

  const stat = fs.statSync(zipPath);
  if (!stat.isFile()) {
    fail('is not a file');
  }
  if (stat.size > MAX_ZIP_BYTES) {
    fail(`is larger than ${MAX_ZIP_BYTES} bytes`);
  }
  const data = fs.readFileSync(zipPath);

  // The end-of-central-directory record sits at the end, before an optional
  // comment of up to 65535 bytes.
  let eocd = -1;
  const lowest = Math.max(0, data.length - EOCD_MIN_BYTES - MAX_COMMENT_BYTES);
  for (let i = data.length - EOCD_MIN_BYTES; i >= lowest; i--) {
    if (data.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    fail('is not a zip file (no end of central directory record)');
  }

  const entryCount = data.readUInt16LE(eocd + 10);
  const directorySize = data.readUInt32LE(eocd + 12);
  const directoryOffset = data.readUInt32LE(eocd + 16);
  if (directoryOffset + directorySize > eocd) {
    fail('has a central directory outside the file (ZIP64 archives are not supported)');
  }

  let offset = directoryOffset;
  for (let n = 0; n < entryCount; n++) {
    if (offset + 46 > eocd || data.readUInt32LE(offset) !== CENTRAL_ENTRY_SIGNATURE) {
      fail(`has a damaged central directory at entry ${n}`);
    }
    const madeBy = data.readUInt16LE(offset + 4);
    const nameLength = data.readUInt16LE(offset + 28);
    const extraLength = data.readUInt16LE(offset + 30);
    const commentLength = data.readUInt16LE(offset + 32);
    const externalAttributes = data.readUInt32LE(offset + 38);
    const name = data.toString('utf8', offset + 46, offset + 46 + nameLength);

    if (name === 'bootstrap') {
      const unixMode = externalAttributes >>> 16;
      if (madeBy >> 8 === UNIX_HOST && unixMode !== 0 && (unixMode & 0o111) === 0) {
        fail('has a bootstrap without execute permission: zip it from a file with mode 755');
      }
      return;
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  fail('has no bootstrap file at its root: Lambda custom runtimes start ./bootstrap');
}
