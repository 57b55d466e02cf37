// Deployment settings of the pigeon CDK app.
//
// Each setting is read from the CDK context first (`cdk synth -c key=value`,
// or the "context" object of cdk.json / cdk.context.json) and then from an
// environment variable, so a `-c` value wins over the environment. An empty
// value counts as unset, so `-c apiDomain=` switches a setting off even when
// its environment variable is set.
import * as path from 'node:path';

export type Architecture = 'x86_64' | 'arm64';
export type InvocationType = 'Event' | 'RequestResponse';

export interface PigeonConfig {
  readonly stackPrefix: string;
  readonly account?: string;
  readonly region?: string;

  readonly architecture: Architecture;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly logLevel: string;
  // VERSION of the api function; unset leaves the variable out.
  readonly version?: string;

  readonly apiZip: string;
  readonly notificationsZip: string;
  readonly placeholderCode: boolean;

  // Plain Pushover credentials, stored as function environment variables.
  readonly pushoverToken?: string;
  readonly pushoverUserKey?: string;
  // Name of an SSM SecureString parameter containing {"token": ..., "user": ...}.
  readonly pushoverSecretParameter?: string;
  // Name or ARN of a Secrets Manager secret containing {"token": ..., "user": ...}.
  readonly pushoverSecretArn?: string;
  // Customer managed KMS key that encrypts the parameter or secret.
  readonly pushoverSecretKmsKeyArn?: string;
  // True when plain credentials were set but a secret store took precedence.
  readonly plainCredentialsIgnored?: boolean;

  // CORS_ALLOW_ORIGIN as the api function gets it: "*", or the origins
  // trimmed and joined with commas.
  readonly corsAllowOrigin: string;
  // The same allow-list as an array, ["*"] for every origin.
  readonly corsAllowOrigins: readonly string[];
  readonly invocationType: InvocationType;
  // Optional api function settings. Each one left unset stays out of the
  // function's environment, so the function applies its own default.
  readonly contactSuccessUrl?: string;
  readonly contactErrorUrl?: string;
  readonly honeypotField?: string;
  readonly notificationMaxChars?: number;
  readonly apiMaxEventBytes?: number;
  readonly throttleRate: number;
  readonly throttleBurst: number;

  readonly apiDomain?: string;
  readonly certificateArn?: string;
  readonly hostedZoneName?: string;
  readonly hostedZoneId?: string;
}

// One setting: its context key, its environment variable and its meaning.
export interface SettingSpec {
  readonly key: string;
  readonly env: string;
  readonly help: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'stackPrefix', env: 'PIGEON_STACK_PREFIX', help: 'prefix of stack, function, queue and API names (default pigeon)' },
  { key: 'account', env: 'CDK_DEPLOY_ACCOUNT', help: 'AWS account id (unset: environment-agnostic stacks)' },
  { key: 'region', env: 'CDK_DEPLOY_REGION', help: 'AWS region (unset: environment-agnostic stacks)' },
  { key: 'architecture', env: 'PIGEON_ARCHITECTURE', help: 'x86_64 (default) or arm64, matching the bootstrap binaries' },
  { key: 'memorySize', env: 'PIGEON_MEMORY_SIZE', help: 'memory of each function in MB, 128 to 10240 (default 128)' },
  { key: 'timeout', env: 'PIGEON_TIMEOUT', help: 'timeout of each function in seconds, 1 to 900 (default 10)' },
  { key: 'logLevel', env: 'LAMBDA_FUNCTIONS_LOG_LEVEL', help: 'TRACE, DEBUG, INFO (default), WARN, ERROR or FATAL' },
  { key: 'version', env: 'VERSION', help: 'release name shown by the api function in GET /health (default unset)' },
  { key: 'apiZip', env: 'PIGEON_API_ZIP', help: 'zip of the api function (default dist/api.zip in the repository)' },
  { key: 'notificationsZip', env: 'PIGEON_NOTIFICATIONS_ZIP', help: 'zip of the notifications function (default dist/notifications.zip)' },
  { key: 'placeholderCode', env: 'PIGEON_PLACEHOLDER_CODE', help: 'true: synthesise with a failing placeholder when a zip is missing' },
  { key: 'pushoverToken', env: 'PUSHOVER_TOKEN', help: 'Pushover application token, stored in plain text in the function environment' },
  { key: 'pushoverUserKey', env: 'PUSHOVER_USERKEY', help: 'Pushover user or group key, stored like pushoverToken' },
  { key: 'pushoverSecretParameter', env: 'PUSHOVER_SECRET_PARAMETER', help: 'SSM SecureString parameter name containing {"token","user"}' },
  { key: 'pushoverSecretArn', env: 'PUSHOVER_SECRET_ARN', help: 'Secrets Manager secret name or ARN containing {"token","user"}' },
  { key: 'pushoverSecretKmsKeyArn', env: 'PUSHOVER_SECRET_KMS_KEY_ARN', help: 'customer managed KMS key of that parameter or secret' },
  { key: 'corsAllowOrigin', env: 'CORS_ALLOW_ORIGIN', help: 'allowed origins, comma-separated, or * (default *)' },
  { key: 'invocationType', env: 'NOTIFICATIONS_INVOCATION_TYPE', help: 'Event (default) or RequestResponse' },
  { key: 'contactSuccessUrl', env: 'CONTACT_SUCCESS_URL', help: 'http(s) URL a browser form post is redirected to after success' },
  { key: 'contactErrorUrl', env: 'CONTACT_ERROR_URL', help: 'http(s) URL a failed browser form post is redirected to' },
  { key: 'honeypotField', env: 'HONEYPOT_FIELD', help: 'name of the hidden field only bots fill (function default _gotcha)' },
  { key: 'notificationMaxChars', env: 'NOTIFICATION_MAX_CHARS', help: 'maximum notification length in characters, 100 to 1024 (function default 1024)' },
  { key: 'apiMaxEventBytes', env: 'API_MAX_EVENT_BYTES', help: 'largest API Gateway event in bytes, 1 to 6291456 (function default 10240)' },
  { key: 'throttleRate', env: 'PIGEON_THROTTLE_RATE', help: 'API stage steady-state limit in requests per second (default 5)' },
  { key: 'throttleBurst', env: 'PIGEON_THROTTLE_BURST', help: 'API stage burst limit in requests (default 10)' },
  { key: 'apiDomain', env: 'API_DOMAIN', help: 'custom domain name of the API, e.g. api.example.com' },
  { key: 'certificateArn', env: 'CERTIFICATE_ARN', help: 'ACM certificate for apiDomain in the stack region (unset: a new one)' },
  { key: 'hostedZoneName', env: 'HOSTED_ZONE_NAME', help: 'Route 53 zone that contains apiDomain (needs hostedZoneId)' },
  { key: 'hostedZoneId', env: 'HOSTED_ZONE_ID', help: 'Route 53 hosted zone id, which adds an alias record for apiDomain' },
];

// Reads one context value. App.node.tryGetContext fits this shape.
export type ContextReader = (key: string) => unknown;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

// The repository root, two levels above this file (infra/lib/).
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

// Builds the configuration from the context and the environment, and throws a
// ConfigError naming the setting and its limits when a value is invalid.
// Error messages never repeat the value of a Pushover credential.
export function readConfig(context: ContextReader, env: NodeJS.ProcessEnv = process.env): PigeonConfig {
  const get = (key: string): string | undefined => {
    const spec = SETTINGS.find((s) => s.key === key);
    if (spec === undefined) {
      throw new Error(`unknown setting ${key}`);
    }
    const fromContext = context(key);
    if (fromContext !== undefined && fromContext !== null) {
      const text = String(fromContext).trim();
      return text === '' ? undefined : text;
    }
    const fromEnv = env[spec.env]?.trim();
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };

  const stackPrefix = get('stackPrefix') ?? 'pigeon';
  // CloudFormation stack names start with a letter; the longest derived
  // name, "<prefix>-notifications-failed", must fit SQS's 80 characters and
  // the function names Lambda's 64.
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(stackPrefix)) {
    throw new ConfigError(
      `stackPrefix "${stackPrefix}" is invalid: use 1 to 40 letters, digits or hyphens, starting with a letter`,
    );
  }

  const account = get('account');
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new ConfigError(`account "${account}" is invalid: expected a 12-digit AWS account id`);
  }
  const region = get('region');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new ConfigError(`region "${region}" is invalid: expected a region code such as eu-west-1`);
  }

  const architecture = (get('architecture') ?? 'x86_64').toLowerCase();
  if (architecture !== 'x86_64' && architecture !== 'arm64') {
    throw new ConfigError(`architecture "${architecture}" is invalid: expected x86_64 or arm64`);
  }

  const logLevel = (get('logLevel') ?? 'INFO').toUpperCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`logLevel "${logLevel}" is invalid: expected one of ${LOG_LEVELS.join(', ')}`);
  }

  const version = get('version');
  if (version !== undefined && (version.length > 128 || !/^[\x21-\x7e]+$/.test(version))) {
    throw new ConfigError('version is invalid: use at most 128 printable ASCII characters without spaces');
  }

  const invocationType = get('invocationType') ?? 'Event';
  if (invocationType !== 'Event' && invocationType !== 'RequestResponse') {
    throw new ConfigError(`invocationType "${invocationType}" is invalid: expected Event or RequestResponse`);
  }

  const corsAllowOrigins = parseAllowedOrigins(get('corsAllowOrigin') ?? '*');
  const honeypotField = get('honeypotField');
  if (honeypotField !== undefined) {
    checkHoneypotField(honeypotField);
  }

  const credentials = readPushoverCredentials(get);
  const domain = readDomain(get);

  return {
    stackPrefix,
    account,
    region,
    architecture,
    memorySize: readInteger(get, 'memorySize', 128, 128, 10240),
    timeoutSeconds: readInteger(get, 'timeout', 10, 1, 900),
    logLevel,
    version,
    apiZip: path.resolve(get('apiZip') ?? path.join(REPO_ROOT, 'dist', 'api.zip')),
    notificationsZip: path.resolve(get('notificationsZip') ?? path.join(REPO_ROOT, 'dist', 'notifications.zip')),
    placeholderCode: readBoolean(get, 'placeholderCode'),
    ...credentials,
    corsAllowOrigin: corsAllowOrigins.join(','),
    corsAllowOrigins,
    invocationType,
    contactSuccessUrl: readUrl(get, 'contactSuccessUrl'),
    contactErrorUrl: readUrl(get, 'contactErrorUrl'),
    honeypotField,
    notificationMaxChars: readOptionalInteger(get, 'notificationMaxChars', MIN_NOTIFICATION_CHARS, MAX_NOTIFICATION_CHARS),
    apiMaxEventBytes: readOptionalInteger(get, 'apiMaxEventBytes', 1, MAX_EVENT_BYTES),
    throttleRate: readNumber(get, 'throttleRate', 5, 0.1, 10000),
    throttleBurst: readInteger(get, 'throttleBurst', 10, 1, 5000),
    ...domain,
  };
}

// Maximum length of an allow-list entry that the api function accepts.
const MAX_ORIGIN_CHARS = 300;
// Scheme, then a host name or a bracketed IPv6 address, then a port: the
// entries the api function's own check accepts.
const ORIGIN = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/i;

// Splits a CORS_ALLOW_ORIGIN value into origins, where "*" allows every
// origin. Entries are trimmed of spaces and tabs, as the api function does.
// Throws a ConfigError for an empty entry or one that is not
// scheme://host[:port].
export function parseAllowedOrigins(value: string): string[] {
  if (value.trim() === '') {
    throw new ConfigError('corsAllowOrigin is empty: give * or a comma-separated list of origins');
  }
  const origins = value.split(',').map((o) => o.replace(/^[ \t]+|[ \t]+$/g, ''));
  origins.forEach((origin, index) => {
    if (origin === '') {
      throw new ConfigError(`corsAllowOrigin entry ${index + 1} is empty: remove the extra comma`);
    }
  });
  if (origins.includes('*')) {
    if (origins.length > 1) {
      throw new ConfigError('corsAllowOrigin is invalid: * cannot be combined with other origins');
    }
    return origins;
  }
  for (const origin of origins) {
    if (origin.length > MAX_ORIGIN_CHARS || !ORIGIN.test(origin)) {
      throw new ConfigError(
        `corsAllowOrigin entry "${origin.slice(0, 100)}" is invalid: expected scheme://host[:port] such as https://example.com, ` +
          `without a path or trailing slash, at most ${MAX_ORIGIN_CHARS} characters`,
      );
    }
  }
  return origins;
}

// The api function's limit for CONTACT_SUCCESS_URL and CONTACT_ERROR_URL.
const MAX_URL_CHARS = 2048;
// Pushover's limit for a message, which NOTIFICATION_MAX_CHARS may lower to
// no less than 100, where the api function's field labels leave room.
const MIN_NOTIFICATION_CHARS = 100;
const MAX_NOTIFICATION_CHARS = 1024;
// Lambda's limit for a synchronous invocation's payload, which is also the
// api function's ceiling for API_MAX_EVENT_BYTES.
const MAX_EVENT_BYTES = 6 * 1024 * 1024;
// Names the form already uses, which the honeypot must not take.
const FORM_FIELDS = ['source', 'name', 'email', 'description', '_next'];

// Reads an absolute http or https URL of printable ASCII whose host part uses
// only the characters of names, IP addresses and a port, as the api function
// requires. Undefined when unset.
function readUrl(get: Getter, key: string): string | undefined {
  const url = get(key);
  if (url === undefined) {
    return undefined;
  }
  const authority = /^https?:\/\/([^/?#]*)/i.exec(url)?.[1];
  if (
    url.length > MAX_URL_CHARS ||
    !/^[\x21-\x7e]+$/.test(url) ||
    authority === undefined ||
    !/^[A-Za-z0-9.:\[\]-]+$/.test(authority)
  ) {
    throw new ConfigError(
      `${key} "${url.slice(0, 100)}" is invalid: expected an absolute http or https URL of at most ` +
        `${MAX_URL_CHARS} printable ASCII characters, such as https://www.example.com/thanks`,
    );
  }
  return url;
}

function checkHoneypotField(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new ConfigError(`honeypotField "${name.slice(0, 64)}" is invalid: use 1 to 64 letters, digits, _ and -`);
  }
  if (FORM_FIELDS.includes(name)) {
    throw new ConfigError(`honeypotField "${name}" is a field the form already uses: pick another name`);
  }
}

type Getter = (key: string) => string | undefined;

function readInteger(get: Getter, key: string, fallback: number, min: number, max: number): number {
  const text = get(key);
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(`${key} "${text}" is invalid: expected an integer from ${min} to ${max}`);
  }
  return value;
}

function readOptionalInteger(get: Getter, key: string, min: number, max: number): number | undefined {
  return get(key) === undefined ? undefined : readInteger(get, key, 0, min, max);
}

function readNumber(get: Getter, key: string, fallback: number, min: number, max: number): number {
  const text = get(key);
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
    throw new ConfigError(`${key} "${text}" is invalid: expected a number from ${min} to ${max}`);
  }
  return value;
}

function readBoolean(get: Getter, key: string): boolean {
  const text = get(key);
  if (text === undefined) {
    return false;
  }
  const lower = text.toLowerCase();
  if (['1', 'true', 'yes'].includes(lower)) {
    return true;
  }
  if (['0', 'false', 'no'].includes(lower)) {
    return false;
  }
  throw new ConfigError(`${key} "${text}" is invalid: expected true or false`);
}

type PushoverCredentials = Pick<
  PigeonConfig,
  | 'pushoverToken'
  | 'pushoverUserKey'
  | 'pushoverSecretParameter'
  | 'pushoverSecretArn'
  | 'pushoverSecretKmsKeyArn'
  | 'plainCredentialsIgnored'
>;

function readPushoverCredentials(get: Getter): PushoverCredentials {
  const parameter = get('pushoverSecretParameter');
  const secret = get('pushoverSecretArn');
  const kmsKeyArn = get('pushoverSecretKmsKeyArn');
  // With a secret store configured, plain credentials are ignored, so a token
  // left in the shell environment never reaches the template.
  const plainCredentialsIgnored = get('pushoverToken') !== undefined || get('pushoverUserKey') !== undefined;

  if (parameter !== undefined && secret !== undefined) {
    throw new ConfigError('pushoverSecretParameter and pushoverSecretArn are both set: choose one');
  }
  if (kmsKeyArn !== undefined && parameter === undefined && secret === undefined) {
    throw new ConfigError('pushoverSecretKmsKeyArn is set without pushoverSecretParameter or pushoverSecretArn');
  }
  if (kmsKeyArn !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(kmsKeyArn)) {
    throw new ConfigError(`pushoverSecretKmsKeyArn "${kmsKeyArn}" is invalid: expected arn:aws:kms:<region>:<account>:key/<id>`);
  }

  if (parameter !== undefined && parameter.startsWith('arn:')) {
    // The function calls SSM in its own region, so an ARN helps only to
    // name a parameter shared from another account.
    if (!/^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_.\/-]{1,900}$/.test(parameter)) {
      throw new ConfigError(
        `pushoverSecretParameter "${parameter}" is invalid: expected a parameter name or arn:aws:ssm:<region>:<account>:parameter/<name>`,
      );
    }
    return { pushoverSecretParameter: parameter, pushoverSecretKmsKeyArn: kmsKeyArn, plainCredentialsIgnored };
  }
  if (parameter !== undefined) {
    // SSM names use letters, digits and . - _ /, a name with a / must start
    // with one, and at most 15 levels deep. SSM counts the parameter's ARN
    // against its 1011-character limit, so 900 leaves room for the prefix.
    const levels = parameter.split('/').length - 1;
    if (
      parameter.length > 900 ||
      !/^[A-Za-z0-9_.\/-]+$/.test(parameter) ||
      /^\/?(aws|ssm)/i.test(parameter) ||
      (parameter.includes('/') && !parameter.startsWith('/')) ||
      levels > 15
    ) {
      throw new ConfigError(
        `pushoverSecretParameter "${parameter}" is invalid: use up to 900 letters, digits, . - _ /, ` +
          'starting with / when it has one, at most 15 levels deep, and not starting with aws or ssm',
      );
    }
    return { pushoverSecretParameter: parameter, pushoverSecretKmsKeyArn: kmsKeyArn, plainCredentialsIgnored };
  }
  if (secret !== undefined) {
    const isArn = secret.startsWith('arn:');
    const valid = isArn
      ? /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9\/_+=.@-]+$/.test(secret)
      : secret.length <= 512 && /^[A-Za-z0-9\/_+=.@-]+$/.test(secret);
    if (!valid) {
      throw new ConfigError(
        `pushoverSecretArn "${secret}" is invalid: expected a secret name of up to 512 letters, digits, / _ + = . @ - or a secretsmanager ARN`,
      );
    }
    return { pushoverSecretArn: secret, pushoverSecretKmsKeyArn: kmsKeyArn, plainCredentialsIgnored };
  }

  const token = get('pushoverToken');
  const userKey = get('pushoverUserKey');
  if ((token === undefined) !== (userKey === undefined)) {
    throw new ConfigError('pushoverToken and pushoverUserKey must be set together: one of them is missing');
  }
  // Pushover issues tokens and user keys of 30 letters and digits.
  if (token !== undefined && !/^[A-Za-z0-9]{30}$/.test(token)) {
    throw new ConfigError('pushoverToken is invalid: expected 30 letters or digits');
  }
  if (userKey !== undefined && !/^[A-Za-z0-9]{30}$/.test(userKey)) {
    throw new ConfigError('pushoverUserKey is invalid: expected 30 letters or digits');
  }
  return { pushoverToken: token, pushoverUserKey: userKey };
}

type DomainSettings = Pick<PigeonConfig, 'apiDomain' | 'certificateArn' | 'hostedZoneName' | 'hostedZoneId'>;

function readDomain(get: Getter): DomainSettings {
  const apiDomain = get('apiDomain')?.toLowerCase().replace(/\.$/, '');
  const certificateArn = get('certificateArn');
  const hostedZoneName = get('hostedZoneName')?.toLowerCase().replace(/\.$/, '');
  const hostedZoneId = get('hostedZoneId');

  if (apiDomain === undefined) {
    for (const [key, value] of [
      ['certificateArn', certificateArn],
      ['hostedZoneName', hostedZoneName],
      ['hostedZoneId', hostedZoneId],
    ]) {
      if (value !== undefined) {
        throw new ConfigError(`${key} is set but apiDomain is not: set apiDomain to use a custom domain`);
      }
    }
    return {};
  }

  const label = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
  const hostname = new RegExp(`^(${label}\\.)+${label}$`);
  if (apiDomain.length > 253 || !hostname.test(apiDomain)) {
    throw new ConfigError(`apiDomain "${apiDomain}" is invalid: expected a host name such as api.example.com`);
  }
  if (certificateArn !== undefined && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(certificateArn)) {
    throw new ConfigError(
      `certificateArn "${certificateArn}" is invalid: expected arn:aws:acm:<region>:<account>:certificate/<id>`,
    );
  }
  if (hostedZoneId !== undefined && !/^[A-Z0-9]{1,32}$/.test(hostedZoneId)) {
    throw new ConfigError(`hostedZoneId "${hostedZoneId}" is invalid: expected up to 32 upper-case letters or digits`);
  }
  if (hostedZoneName !== undefined) {
    // The app does no lookups, so synth stays offline: a zone needs its id.
    if (hostedZoneId === undefined) {
      throw new ConfigError('hostedZoneName is set without hostedZoneId: give the zone id too (the app does no lookups)');
    }
    if (apiDomain !== hostedZoneName && !apiDomain.endsWith(`.${hostedZoneName}`)) {
      throw new ConfigError(`apiDomain "${apiDomain}" is not inside hostedZoneName "${hostedZoneName}"`);
    }
  }
  return { apiDomain, certificateArn, hostedZoneName, hostedZoneId };
}
