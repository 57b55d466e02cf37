// Tests of reading settings from the context and the environment.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, PigeonConfig, REPO_ROOT, SETTINGS, parseAllowedOrigins, readConfig } from '../lib/config';

const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const USER_KEY = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';

function configFrom(context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): PigeonConfig {
  return readConfig((key) => context[key], env);
}

// Asserts that reading fails with a ConfigError whose message matches.
function assertRejected(context: Record<string, unknown>, message: RegExp, env: NodeJS.ProcessEnv = {}): Error {
  let caught: unknown;
  try {
    configFrom(context, env);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.match(caught.message, message);
  return caught;
}

describe('readConfig', () => {
  it('applies defaults', () => {
    const config = configFrom({});
    assert.equal(config.stackPrefix, 'pigeon');
    assert.equal(config.architecture, 'x86_64');
    assert.equal(config.memorySize, 128);
    assert.equal(config.timeoutSeconds, 10);
    assert.equal(config.logLevel, 'INFO');
    assert.equal(config.version, undefined);
    assert.equal(config.corsAllowOrigin, '*');
    assert.deepEqual(config.corsAllowOrigins, ['*']);
    assert.equal(config.contactSuccessUrl, undefined);
    assert.equal(config.contactErrorUrl, undefined);
    assert.equal(config.honeypotField, undefined);
    assert.equal(config.notificationMaxChars, undefined);
    assert.equal(config.apiMaxEventBytes, undefined);
    assert.equal(config.invocationType, 'Event');
    assert.equal(config.throttleRate, 5);
    assert.equal(config.throttleBurst, 10);
    assert.equal(config.placeholderCode, false);
    assert.equal(config.apiZip, path.join(REPO_ROOT, 'dist', 'api.zip'));
    assert.equal(config.notificationsZip, path.join(REPO_ROOT, 'dist', 'notifications.zip'));
    assert.equal(config.apiDomain, undefined);
    assert.equal(config.pushoverToken, undefined);
    assert.equal(config.account, undefined);
  });

  it('reads environment variables', () => {
    const config = configFrom(
      {},
      {
        CORS_ALLOW_ORIGIN: 'https://example.com',
        PUSHOVER_TOKEN: TOKEN,
        PUSHOVER_USERKEY: USER_KEY,
        API_DOMAIN: 'api.example.com',
        PIGEON_ARCHITECTURE: 'arm64',
        LAMBDA_FUNCTIONS_LOG_LEVEL: 'debug',
        VERSION: 'v1.0.0-3-gabcdef',
        CONTACT_SUCCESS_URL: 'https://www.example.com/thanks',
        CONTACT_ERROR_URL: 'https://www.example.com/sorry?from=form',
        HONEYPOT_FIELD: 'website',
        NOTIFICATION_MAX_CHARS: '512',
        API_MAX_EVENT_BYTES: '65536',
      },
    );
    assert.equal(config.corsAllowOrigin, 'https://example.com');
    assert.equal(config.pushoverToken, TOKEN);
    assert.equal(config.pushoverUserKey, USER_KEY);
    assert.equal(config.apiDomain, 'api.example.com');
    assert.equal(config.architecture, 'arm64');
    assert.equal(config.logLevel, 'DEBUG');
    assert.equal(config.version, 'v1.0.0-3-gabcdef');
    assert.equal(config.contactSuccessUrl, 'https://www.example.com/thanks');
    assert.equal(config.contactErrorUrl, 'https://www.example.com/sorry?from=form');
    assert.equal(config.honeypotField, 'website');
    assert.equal(config.notificationMaxChars, 512);
    assert.equal(config.apiMaxEventBytes, 65536);
  });

  it('reads the api function settings from the context', () => {
    const config = configFrom({
      contactSuccessUrl: 'http://127.0.0.1:8000/thanks.html',
      contactErrorUrl: 'https://[::1]:8443/error',
      honeypotField: 'fax-number_2',
      notificationMaxChars: 1024,
      apiMaxEventBytes: 6 * 1024 * 1024,
    });
    assert.equal(config.contactSuccessUrl, 'http://127.0.0.1:8000/thanks.html');
    assert.equal(config.contactErrorUrl, 'https://[::1]:8443/error');
    assert.equal(config.honeypotField, 'fax-number_2');
    assert.equal(config.notificationMaxChars, 1024);
    assert.equal(config.apiMaxEventBytes, 6291456);
  });

  it('rejects invalid api function settings', () => {
    assertRejected({ contactSuccessUrl: '/thanks' }, /contactSuccessUrl "\/thanks" is invalid: expected an absolute http or https URL/);
    assertRejected({ contactSuccessUrl: 'ftp://example.com/' }, /contactSuccessUrl/);
    assertRejected({ contactSuccessUrl: 'https://' }, /contactSuccessUrl/);
    assertRejected({ contactErrorUrl: 'https://example.com/a b' }, /contactErrorUrl "https:\/\/example.com\/a b" is invalid/);
    assertRejected({ contactErrorUrl: 'https://user@example.com/' }, /contactErrorUrl/);
    assertRejected({ contactErrorUrl: 'https://example.com\\@evil.example/' }, /contactErrorUrl/);
    assertRejected({ contactErrorUrl: `https://example.com/${'a'.repeat(2030)}` }, /at most 2048 printable ASCII/);
    assert.equal(configFrom({ contactErrorUrl: `https://example.com/${'a'.repeat(2028)}` }).contactErrorUrl?.length, 2048);
    assertRejected({ honeypotField: 'a b' }, /honeypotField "a b" is invalid: use 1 to 64 letters, digits, _ and -/);
    assertRejected({ honeypotField: 'h'.repeat(65) }, /honeypotField/);
    assertRejected({ honeypotField: 'email' }, /honeypotField "email" is a field the form already uses/);
    assertRejected({ honeypotField: '_next' }, /already uses/);
    assertRejected({ notificationMaxChars: '99' }, /notificationMaxChars "99" is invalid: expected an integer from 100 to 1024/);
    assert.equal(configFrom({ notificationMaxChars: '100' }).notificationMaxChars, 100);
    assertRejected({ notificationMaxChars: '1025' }, /notificationMaxChars/);
    assertRejected({ apiMaxEventBytes: '6291457' }, /apiMaxEventBytes "6291457" is invalid: expected an integer from 1 to 6291456/);
    assertRejected({ apiMaxEventBytes: '10k' }, /apiMaxEventBytes "10k" is invalid/);
  });

  it('treats empty api function settings as unset', () => {
    const config = configFrom(
      { contactSuccessUrl: '', version: '' },
      { HONEYPOT_FIELD: ' ', NOTIFICATION_MAX_CHARS: '', API_MAX_EVENT_BYTES: '' },
    );
    assert.equal(config.contactSuccessUrl, undefined);
    assert.equal(config.version, undefined);
    assert.equal(config.honeypotField, undefined);
    assert.equal(config.notificationMaxChars, undefined);
    assert.equal(config.apiMaxEventBytes, undefined);
  });

  it('prefers context over environment', () => {
    const config = configFrom(
      { corsAllowOrigin: 'https://a.example', memorySize: 256 },
      { CORS_ALLOW_ORIGIN: 'https://b.example', PIGEON_MEMORY_SIZE: '512' },
    );
    assert.equal(config.corsAllowOrigin, 'https://a.example');
    assert.equal(config.memorySize, 256);
  });

  it('treats empty context as unset', () => {
    const config = configFrom({ apiDomain: '' }, { API_DOMAIN: 'api.example.com' });
    assert.equal(config.apiDomain, undefined);
  });

  it('resolves zip paths from the working directory', () => {
    const config = configFrom({ apiZip: 'out/api.zip' }, { PIGEON_NOTIFICATIONS_ZIP: '/tmp/n.zip' });
    assert.equal(config.apiZip, path.resolve('out/api.zip'));
    assert.equal(config.notificationsZip, '/tmp/n.zip');
  });

  it('gives every setting an environment variable', () => {
    const envNames = SETTINGS.map((s) => s.env);
    assert.equal(new Set(envNames).size, envNames.length, 'duplicate environment variable');
    for (const name of [
      'PUSHOVER_TOKEN',
      'PUSHOVER_USERKEY',
      'CORS_ALLOW_ORIGIN',
      'API_DOMAIN',
      'CONTACT_SUCCESS_URL',
      'CONTACT_ERROR_URL',
      'HONEYPOT_FIELD',
      'NOTIFICATION_MAX_CHARS',
      'API_MAX_EVENT_BYTES',
      'VERSION',
    ]) {
      assert.ok(envNames.includes(name), `${name} missing`);
    }
  });

  it('rejects invalid numbers with their limits', () => {
    assertRejected({ memorySize: '64' }, /memorySize "64" is invalid: expected an integer from 128 to 10240/);
    assertRejected({ memorySize: '12.5' }, /memorySize/);
    assertRejected({ timeout: '901' }, /timeout "901" is invalid: expected an integer from 1 to 900/);
    assertRejected({ throttleRate: '0' }, /throttleRate "0" is invalid/);
    assertRejected({ throttleRate: 'fast' }, /throttleRate "fast" is invalid/);
    assertRejected({ throttleBurst: '-1' }, /throttleBurst/);
  });

  it('rejects invalid names and choices', () => {
    assertRejected({ architecture: 'arm' }, /architecture "arm" is invalid: expected x86_64 or arm64/);
    assertRejected({ logLevel: 'verbose' }, /logLevel "VERBOSE" is invalid/);
    assertRejected({ invocationType: 'DryRun' }, /invocationType "DryRun" is invalid/);
    assertRejected({ stackPrefix: '1pigeon' }, /stackPrefix "1pigeon" is invalid/);
    assertRejected({ stackPrefix: 'a'.repeat(41) }, /stackPrefix/);
    assertRejected({ stackPrefix: 'pigeon_prod' }, /stackPrefix/);
    assertRejected({ account: '1234' }, /account "1234" is invalid/);
    assertRejected({ region: 'europe' }, /region "europe" is invalid/);
    assertRejected({ version: 'has space' }, /version is invalid/);
    assertRejected({ placeholderCode: 'maybe' }, /placeholderCode "maybe" is invalid/);
  });

  it('accepts arm64 in any case', () => {
    assert.equal(configFrom({ architecture: 'ARM64' }).architecture, 'arm64');
  });

  it('requires token and user key together', () => {
    assertRejected({ pushoverToken: TOKEN }, /pushoverToken and pushoverUserKey must be set together/);
    assertRejected({}, /must be set together/, { PUSHOVER_USERKEY: USER_KEY });
  });

  it('keeps invalid credentials out of errors', () => {
    const badToken = 'short-secret-value';
    const err = assertRejected({ pushoverToken: badToken, pushoverUserKey: USER_KEY }, /pushoverToken is invalid/);
    assert.ok(!err.message.includes(badToken));
    const err2 = assertRejected({ pushoverToken: TOKEN, pushoverUserKey: 'x'.repeat(31) }, /pushoverUserKey is invalid/);
    assert.ok(!err2.message.includes(TOKEN));
  });

  it('lets a secret store override plain credentials', () => {
    const config = configFrom({ pushoverSecretParameter: '/pigeon/pushover' }, { PUSHOVER_TOKEN: TOKEN, PUSHOVER_USERKEY: USER_KEY });
    assert.equal(config.pushoverToken, undefined);
    assert.equal(config.pushoverUserKey, undefined);
    assert.equal(config.pushoverSecretParameter, '/pigeon/pushover');
    assert.equal(config.plainCredentialsIgnored, true);
  });

  it('rejects conflicting or invalid secret settings', () => {
    assertRejected({ pushoverSecretParameter: '/p', pushoverSecretArn: 's' }, /both set: choose one/);
    assertRejected({ pushoverSecretParameter: '/aws/reserved' }, /pushoverSecretParameter "\/aws\/reserved" is invalid/);
    assertRejected({ pushoverSecretParameter: 'a b' }, /pushoverSecretParameter/);
    assertRejected({ pushoverSecretParameter: 'pigeon/pushover' }, /starting with \/ when it has one/);
    assertRejected({ pushoverSecretParameter: '/a'.repeat(16) }, /at most 15 levels/);
    assertRejected({ pushoverSecretParameter: 'p'.repeat(901) }, /up to 900/);
    assert.equal(configFrom({ pushoverSecretParameter: '/a'.repeat(15) }).pushoverSecretParameter, '/a'.repeat(15));
    assertRejected(
      { pushoverSecretParameter: 'arn:aws:ssm:eu-west-1:123456789012:secret/x' },
      /pushoverSecretParameter "arn:aws:ssm:eu-west-1:123456789012:secret\/x" is invalid: expected a parameter name or arn:aws:ssm/,
    );
    const arn = 'arn:aws:ssm:eu-west-1:123456789012:parameter/pigeon/pushover';
    assert.equal(configFrom({ pushoverSecretParameter: arn }).pushoverSecretParameter, arn);
    assertRejected({ pushoverSecretArn: 'arn:aws:s3:::bucket' }, /pushoverSecretArn "arn:aws:s3:::bucket" is invalid/);
    assertRejected({ pushoverSecretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc' }, /without pushoverSecretParameter/);
    assertRejected({ pushoverSecretParameter: '/p', pushoverSecretKmsKeyArn: 'key' }, /pushoverSecretKmsKeyArn "key" is invalid/);
  });

  it('validates the custom domain settings', () => {
    assertRejected({ certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' }, /certificateArn is set but apiDomain is not/);
    assertRejected({ hostedZoneId: 'Z1' }, /hostedZoneId is set but apiDomain is not/);
    assertRejected({ apiDomain: 'not a domain' }, /apiDomain "not a domain" is invalid/);
    assertRejected({ apiDomain: 'localhost' }, /apiDomain "localhost" is invalid/);
    assertRejected({ apiDomain: 'api.example.com', certificateArn: 'cert' }, /certificateArn "cert" is invalid/);
    assertRejected({ apiDomain: 'api.example.com', hostedZoneName: 'example.com' }, /hostedZoneName is set without hostedZoneId/);
    assertRejected(
      { apiDomain: 'api.example.com', hostedZoneName: 'example.org', hostedZoneId: 'Z1' },
      /apiDomain "api.example.com" is not inside hostedZoneName "example.org"/,
    );
    assertRejected({ apiDomain: 'api.example.com', hostedZoneId: 'z-1' }, /hostedZoneId "z-1" is invalid/);
  });

  it('normalises the domain', () => {
    const config = configFrom({ apiDomain: 'API.Example.com.', hostedZoneName: 'example.com.', hostedZoneId: 'Z1' });
    assert.equal(config.apiDomain, 'api.example.com');
    assert.equal(config.hostedZoneName, 'example.com');
  });
});

describe('parseAllowedOrigins', () => {
  it('splits a comma-separated list', () => {
    assert.deepEqual(parseAllowedOrigins('https://a.example, http://localhost:8080'), [
      'https://a.example',
      'http://localhost:8080',
    ]);
    assert.deepEqual(parseAllowedOrigins('*'), ['*']);
  });

  it('accepts what the api function accepts', () => {
    assert.deepEqual(parseAllowedOrigins('HTTPS://Example.COM,\thttp://[::1]:8000 '), ['HTTPS://Example.COM', 'http://[::1]:8000']);
    assert.deepEqual(parseAllowedOrigins(`https://${'a'.repeat(292)}`).length, 1);
  });

  it('rejects malformed origins', () => {
    assert.throws(() => parseAllowedOrigins(' '), /corsAllowOrigin is empty/);
    assert.throws(() => parseAllowedOrigins(' , '), /corsAllowOrigin entry 1 is empty/);
    assert.throws(() => parseAllowedOrigins('https://a.example,,https://b.example'), /entry 2 is empty/);
    assert.throws(() => parseAllowedOrigins('https://a.example,'), /entry 2 is empty/);
    assert.throws(() => parseAllowedOrigins(`https://${'a'.repeat(293)}`), /at most 300 characters/);
    assert.throws(() => parseAllowedOrigins('https://a.example/'), /entry "https:\/\/a.example\/" is invalid/);
    assert.throws(() => parseAllowedOrigins('https://[]'), /is invalid/);
    assert.throws(() => parseAllowedOrigins('https://a.example:123456'), /is invalid/);
    assert.throws(() => parseAllowedOrigins('*,https://a.example'), /cannot be combined/);
    assert.throws(() => parseAllowedOrigins('https://a.example/form'), /entry "https:\/\/a.example\/form" is invalid/);
    assert.throws(() => parseAllowedOrigins('a.example'), /entry "a.example" is invalid/);
  });
});

describe('config.example.env', () => {
  const text = fs.readFileSync(path.join(__dirname, '..', 'config.example.env'), 'utf8');
  const documented = new Set([...text.matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));

  it('documents every setting', () => {
    for (const spec of SETTINGS) {
      assert.ok(documented.has(spec.env), `${spec.env} is not in config.example.env`);
      assert.ok(text.includes(`[${spec.key}]`), `context key ${spec.key} is not in config.example.env`);
    }
  });

  it('names only known variables', () => {
    const known = new Set(SETTINGS.map((s) => s.env));
    for (const name of documented) {
      assert.ok(known.has(name), `${name} in config.example.env is not a setting`);
    }
  });
});
