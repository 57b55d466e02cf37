// Template tests of the notifications and api stacks.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { onlyResource, synthPigeon } from './helpers';

const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const USER_KEY = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';

// Every IAM policy statement of a template, flattened.
function policyStatements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy: any) => policy.Properties.PolicyDocument.Statement,
  );
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

describe('both stacks', () => {
  const { notifications, api } = synthPigeon();

  it('use provided.al2023 with handler bootstrap', () => {
    for (const template of [notifications, api]) {
      template.resourceCountIs('AWS::Lambda::Function', 1);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Architectures: ['x86_64'],
        MemorySize: 128,
        Timeout: 10,
      });
    }
  });

  it('send function logs to a group kept for 7 days', () => {
    for (const template of [notifications, api]) {
      const fn = onlyResource(template, 'AWS::Lambda::Function');
      const logGroupId = fn.properties.LoggingConfig.LogGroup.Ref;
      const logGroup = template.toJSON().Resources[logGroupId];
      assert.equal(logGroup.Type, 'AWS::Logs::LogGroup');
      assert.equal(logGroup.Properties.RetentionInDays, 7);
    }
    api.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/apigateway/pigeon-api',
      RetentionInDays: 7,
    });
  });

  it('keep log permissions to their own log group', () => {
    for (const template of [notifications, api]) {
      const fn = onlyResource(template, 'AWS::Lambda::Function');
      const role = template.toJSON().Resources[fn.properties.Role['Fn::GetAtt'][0]];
      assert.equal(role.Type, 'AWS::IAM::Role');
      assert.equal(role.Properties.ManagedPolicyArns, undefined, 'function role has managed policies');
      for (const statement of policyStatements(template)) {
        for (const resource of asList(statement.Resource)) {
          assert.notEqual(resource, '*', `statement ${JSON.stringify(statement.Action)} has resource *`);
        }
      }
    }
  });

  it('tag resources with Managed and Name', () => {
    notifications.hasResourceProperties('AWS::Lambda::Function', {
      Tags: Match.arrayWith([
        { Key: 'Managed', Value: 'cdk' },
        { Key: 'Name', Value: 'pigeon-notifications' },
      ]),
    });
    notifications.hasResourceProperties('AWS::SQS::Queue', {
      Tags: Match.arrayWith([
        { Key: 'Managed', Value: 'cdk' },
        { Key: 'Name', Value: 'pigeon-notifications-failed' },
      ]),
    });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Tags: Match.arrayWith([
        { Key: 'Managed', Value: 'cdk' },
        { Key: 'Name', Value: 'pigeon-api' },
      ]),
    });
    api.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Tags: Match.arrayWith([{ Key: 'Managed', Value: 'cdk' }]),
    });
    // Resources without a Name of their own get the stack name.
    api.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/apigateway/pigeon-api',
      Tags: Match.arrayWith([{ Key: 'Name', Value: 'pigeon-api' }]),
    });
  });

  it('tag the stacks without Name', () => {
    const result = synthPigeon();
    const assembly = result.app.synth();
    for (const name of ['pigeon-api', 'pigeon-notifications']) {
      const tags = assembly.getStackByName(name).tags;
      assert.equal(tags.Managed, 'cdk');
      assert.equal(tags.Name, undefined);
    }
  });

  it('are environment-agnostic by default', () => {
    const result = synthPigeon();
    assert.equal(result.stacks.api.stackName, 'pigeon-api');
    assert.equal(result.stacks.notifications.stackName, 'pigeon-notifications');
    assert.ok(result.stacks.api.region.startsWith('${Token['), 'region should be unresolved');
  });
});

describe('notifications stack', () => {
  const { notifications, stacks } = synthPigeon({ pushoverToken: TOKEN, pushoverUserKey: USER_KEY });

  it('passes plain Pushover credentials', () => {
    notifications.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'pigeon-notifications',
      Environment: {
        Variables: {
          PUSHOVER_TOKEN: TOKEN,
          PUSHOVER_USERKEY: USER_KEY,
          LAMBDA_FUNCTIONS_LOG_LEVEL: 'INFO',
        },
      },
    });
  });

  it('retries twice then sends to the failure queue', () => {
    const queue = onlyResource(notifications, 'AWS::SQS::Queue');
    assert.equal(queue.properties.MessageRetentionPeriod, 14 * 24 * 3600);

    const fn = onlyResource(notifications, 'AWS::Lambda::Function');
    notifications.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn.id },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [queue.id, 'Arn'] } },
      },
    });
  });

  it('may send to the failure queue', () => {
    const queue = onlyResource(notifications, 'AWS::SQS::Queue');
    const statement = policyStatements(notifications).find((s) => asList(s.Action).includes('sqs:SendMessage'));
    assert.ok(statement, 'no sqs:SendMessage statement');
    assert.deepEqual(statement.Resource, { 'Fn::GetAtt': [queue.id, 'Arn'] });
  });

  it('outputs function name and queue URL', () => {
    const queue = onlyResource(notifications, 'AWS::SQS::Queue');
    const fn = onlyResource(notifications, 'AWS::Lambda::Function');
    notifications.hasOutput('NotificationsFunctionName', { Value: { Ref: fn.id } });
    notifications.hasOutput('FailureQueueUrl', { Value: { Ref: queue.id } });
  });

  it('exposes the function', () => {
    assert.ok(stacks.notifications.notificationsFunction.functionArn);
    assert.ok(stacks.notifications.failureQueue.queueUrl);
  });

  it('uses arm64 when configured', () => {
    const result = synthPigeon({ architecture: 'arm64', memorySize: '256', timeout: '30' });
    for (const template of [result.notifications, result.api]) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: 30,
      });
    }
  });

  it('warns when no credentials are configured', () => {
    const result = synthPigeon();
    Annotations.fromStack(result.stacks.notifications).hasWarning('*', Match.stringLikeRegexp('no Pushover credentials'));
    const env = onlyResource(result.notifications, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.equal(env.PUSHOVER_TOKEN, undefined);
  });
});

describe('Pushover credentials in SSM', () => {
  // The plain values in the environment must be ignored, not deployed.
  const { notifications, stacks } = synthPigeon(
    { pushoverSecretParameter: '/pigeon/pushover' },
    { PUSHOVER_TOKEN: TOKEN, PUSHOVER_USERKEY: USER_KEY },
  );

  it('names the parameter instead of the values', () => {
    const env = onlyResource(notifications, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.equal(env.PUSHOVER_SECRET_PARAMETER, '/pigeon/pushover');
    assert.equal(env.PUSHOVER_TOKEN, undefined);
    assert.equal(env.PUSHOVER_USERKEY, undefined);
  });

  it('keeps the token out of the template', () => {
    const text = JSON.stringify(notifications.toJSON());
    assert.ok(!text.includes(TOKEN), 'token found in template');
    assert.ok(!text.includes(USER_KEY), 'user key found in template');
    Annotations.fromStack(stacks.notifications).hasWarning('*', Match.stringLikeRegexp('ignored'));
  });

  it('grants GetParameter on that parameter only', () => {
    const statements = policyStatements(notifications).filter((s) =>
      asList(s.Action).some((a: string) => a.startsWith('ssm:')),
    );
    assert.equal(statements.length, 1);
    assert.deepEqual(statements[0].Action, 'ssm:GetParameter');
    const arn = JSON.stringify(statements[0].Resource);
    assert.match(arn, /:parameter\/pigeon\/pushover"/);
    assert.ok(!arn.includes('*'), `parameter ARN has a wildcard: ${arn}`);
    assert.ok(!policyStatements(notifications).some((s) => asList(s.Action).includes('kms:Decrypt')));
  });

  it('grants kms:Decrypt on a configured key', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const result = synthPigeon({ pushoverSecretParameter: 'pigeon-pushover', pushoverSecretKmsKeyArn: key });
    const decrypt = policyStatements(result.notifications).filter((s) => asList(s.Action).includes('kms:Decrypt'));
    assert.equal(decrypt.length, 1);
    assert.equal(decrypt[0].Resource, key);
    // Only for calls that SSM makes on the role's behalf, in its region.
    assert.deepEqual(decrypt[0].Condition, {
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
      },
    });
    const ssm = policyStatements(result.notifications).find((s) => s.Action === 'ssm:GetParameter');
    assert.match(JSON.stringify(ssm.Resource), /:parameter\/pigeon-pushover"/);
  });
});

describe('Pushover credentials in an SSM parameter given by ARN', () => {
  it('grants GetParameter on that ARN', () => {
    const arn = 'arn:aws:ssm:eu-west-1:123456789012:parameter/pigeon/pushover';
    const { notifications } = synthPigeon({ pushoverSecretParameter: arn });
    const env = onlyResource(notifications, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.equal(env.PUSHOVER_SECRET_PARAMETER, arn);
    const statements = policyStatements(notifications).filter((s) => s.Action === 'ssm:GetParameter');
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Resource, arn);
  });
});

describe('Pushover credentials in Secrets Manager', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pigeon/pushover-AbCdEf';

  it('passes the secret ARN and grants read on it only', () => {
    const { notifications } = synthPigeon({ pushoverSecretArn: arn }, { PUSHOVER_TOKEN: TOKEN, PUSHOVER_USERKEY: USER_KEY });
    const env = onlyResource(notifications, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.equal(env.PUSHOVER_SECRET_ARN, arn);
    assert.equal(env.PUSHOVER_TOKEN, undefined);
    assert.ok(!JSON.stringify(notifications.toJSON()).includes(TOKEN), 'token found in template');

    const statements = policyStatements(notifications).filter((s) =>
      asList(s.Action).some((a: string) => a.startsWith('secretsmanager:')),
    );
    assert.equal(statements.length, 1);
    assert.ok(asList(statements[0].Action).includes('secretsmanager:GetSecretValue'));
    assert.equal(statements[0].Resource, arn);
  });

  it('grants kms:Decrypt through Secrets Manager only', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { notifications } = synthPigeon({ pushoverSecretArn: arn, pushoverSecretKmsKeyArn: key });
    const decrypt = policyStatements(notifications).filter((s) => asList(s.Action).includes('kms:Decrypt'));
    assert.equal(decrypt.length, 1);
    assert.equal(decrypt[0].Resource, key);
    assert.match(JSON.stringify(decrypt[0].Condition.StringEquals['kms:ViaService']), /"secretsmanager\."/);
  });

  it('accepts a secret name', () => {
    const { notifications } = synthPigeon({ pushoverSecretArn: 'pigeon/pushover' });
    const env = onlyResource(notifications, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.match(JSON.stringify(env.PUSHOVER_SECRET_ARN), /:secret:pigeon\/pushover"/);

    const statement = policyStatements(notifications).find((s) =>
      asList(s.Action).includes('secretsmanager:GetSecretValue'),
    );
    // The name-based ARN matches the random six-character suffix only.
    assert.match(JSON.stringify(statement.Resource), /:secret:pigeon\/pushover-\?\?\?\?\?\?"/);
  });
});

describe('api stack', () => {
  const { api, notifications } = synthPigeon({ version: '1.2.3', invocationType: 'RequestResponse' });
  const notificationsFunctionId = onlyResource(notifications, 'AWS::Lambda::Function').id;

  it('names the notifications function through an import', () => {
    const env = onlyResource(api, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.deepEqual(Object.keys(env.LAMBDA_NOTIFICATIONS), ['Fn::ImportValue']);
    assert.match(env.LAMBDA_NOTIFICATIONS['Fn::ImportValue'], new RegExp(`Ref${notificationsFunctionId}`));
    assert.equal(env.CORS_ALLOW_ORIGIN, '*');
    assert.equal(env.NOTIFICATIONS_INVOCATION_TYPE, 'RequestResponse');
    assert.equal(env.VERSION, '1.2.3');

    // The export that the import reads exists in the notifications stack.
    const exported = Object.values(notifications.toJSON().Outputs).map((o: any) => o.Export?.Name);
    assert.ok(exported.includes(env.LAMBDA_NOTIFICATIONS['Fn::ImportValue']));
  });

  it('may invoke the notifications function only', () => {
    const invoke = policyStatements(api).filter((s) =>
      asList(s.Action).some((a: string) => a.startsWith('lambda:')),
    );
    assert.equal(invoke.length, 1);
    assert.equal(invoke[0].Action, 'lambda:InvokeFunction');
    assert.equal(invoke[0].Effect, 'Allow');
    const resources = asList(invoke[0].Resource);
    assert.ok(resources.length >= 1);
    for (const resource of resources) {
      assert.notEqual(resource, '*');
      assert.match(
        JSON.stringify(resource),
        new RegExp(`ExportsOutputFnGetAtt${notificationsFunctionId}Arn`),
        'resource is not the notifications function ARN',
      );
    }
  });

  it('proxies every path to the api function', () => {
    const fn = onlyResource(api, 'AWS::Lambda::Function');
    api.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    api.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      Integration: {
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ 'Fn::GetAtt': [fn.id, 'Arn'] }])]) }),
      },
    });
    api.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'pigeon-api',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  it('passes CORS preflight requests to the function', () => {
    // No MOCK preflight: OPTIONS reaches the function through ANY, on the
    // root and on {proxy+}, like every other method.
    assert.deepEqual(api.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }), {});
    const methods = Object.values(api.findResources('AWS::ApiGateway::Method')) as any[];
    assert.equal(methods.length, 2);
    for (const method of methods) {
      assert.equal(method.Properties.HttpMethod, 'ANY');
      assert.equal(method.Properties.Integration.Type, 'AWS_PROXY');
    }
  });

  it('throttles the stage', () => {
    api.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }),
      ]),
      AccessLogSetting: Match.objectLike({ Format: Match.anyValue() }),
    });
  });

  it('outputs API and contact URLs', () => {
    api.hasOutput('ApiUrl', { Value: Match.anyValue() });
    api.hasOutput('ContactUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['/contact'])] },
    });
    api.hasOutput('NotificationsFunctionName', { Value: { 'Fn::ImportValue': Match.anyValue() } });
  });

  it('has no custom domain unless configured', () => {
    api.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    api.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    api.resourceCountIs('AWS::Route53::RecordSet', 0);
  });
});

describe('api stack settings', () => {
  it('gives the function the trimmed origin list', () => {
    const { api } = synthPigeon({ corsAllowOrigin: 'https://example.com, https://www.example.com' });
    const env = onlyResource(api, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.equal(env.CORS_ALLOW_ORIGIN, 'https://example.com,https://www.example.com');
    api.resourceCountIs('AWS::ApiGateway::Method', 2);
  });

  it('leaves unset api function settings out', () => {
    const { api } = synthPigeon();
    const env = onlyResource(api, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.deepEqual(Object.keys(env).sort(), [
      'CORS_ALLOW_ORIGIN',
      'LAMBDA_FUNCTIONS_LOG_LEVEL',
      'LAMBDA_NOTIFICATIONS',
      'NOTIFICATIONS_INVOCATION_TYPE',
    ]);
  });

  it('passes every api function setting', () => {
    const { api } = synthPigeon(
      {
        contactSuccessUrl: 'https://www.example.com/thanks',
        honeypotField: 'website',
        notificationMaxChars: '800',
        version: 'v2.0.0',
      },
      { CONTACT_ERROR_URL: 'https://www.example.com/sorry', API_MAX_EVENT_BYTES: '32768' },
    );
    const env = onlyResource(api, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.equal(env.CONTACT_SUCCESS_URL, 'https://www.example.com/thanks');
    assert.equal(env.CONTACT_ERROR_URL, 'https://www.example.com/sorry');
    assert.equal(env.HONEYPOT_FIELD, 'website');
    // Lambda takes strings only.
    assert.equal(env.NOTIFICATION_MAX_CHARS, '800');
    assert.equal(env.API_MAX_EVENT_BYTES, '32768');
    assert.equal(env.VERSION, 'v2.0.0');
  });

  it('rejects an oversized environment', () => {
    const url = (name: string) => `https://www.example.com/${name}/${'a'.repeat(2000)}`;
    assert.throws(
      () => synthPigeon({ contactSuccessUrl: url('thanks'), contactErrorUrl: url('sorry') }),
      /pigeon-api: its environment variables take about \d+ bytes, more than Lambda's 4096/,
    );
    assert.doesNotThrow(() => synthPigeon({ contactSuccessUrl: url('thanks'), contactErrorUrl: 'https://www.example.com/sorry' }));
  });

  it('overrides no CA bundle', () => {
    // Both functions use the bundle of provided.al2023, see README.md.
    const { api, notifications } = synthPigeon({ pushoverSecretParameter: '/pigeon/pushover' });
    for (const template of [api, notifications]) {
      const env = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables;
      assert.equal(env.SSL_CERT_FILE, undefined);
      assert.equal(env.SSL_CERT_DIR, undefined);
    }
    assert.ok(!JSON.stringify([api.toJSON(), notifications.toJSON()]).includes('SSL_CERT'));
  });

  it('uses configured throttling', () => {
    const { api } = synthPigeon({ throttleRate: '2.5', throttleBurst: '4' });
    api.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 2.5, ThrottlingBurstLimit: 4 })]),
    });
  });

  it('prefixes every name with stackPrefix', () => {
    const { stacks, api, notifications } = synthPigeon({ stackPrefix: 'pigeon-staging' });
    assert.equal(stacks.api.stackName, 'pigeon-staging-api');
    assert.equal(stacks.notifications.stackName, 'pigeon-staging-notifications');
    api.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'pigeon-staging-api' });
    notifications.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'pigeon-staging-notifications-failed' });
    const env = onlyResource(api, 'AWS::Lambda::Function').properties.Environment.Variables;
    assert.match(env.LAMBDA_NOTIFICATIONS['Fn::ImportValue'], /^pigeon-staging-notifications:/);
  });

  it('pins account and region when given', () => {
    const { stacks } = synthPigeon({ account: '123456789012', region: 'eu-west-1' });
    assert.equal(stacks.api.region, 'eu-west-1');
    assert.equal(stacks.notifications.account, '123456789012');
  });
});

describe('custom domain', () => {
  it('uses a given certificate and outputs the CNAME', () => {
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
    const { api } = synthPigeon({ apiDomain: 'api.example.com', certificateArn });
    api.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      RegionalCertificateArn: certificateArn,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    api.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    api.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    api.resourceCountIs('AWS::Route53::RecordSet', 0);
    const domain = onlyResource(api, 'AWS::ApiGateway::DomainName');
    api.hasOutput('CustomDomainCname', {
      Value: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [domain.id, 'RegionalDomainName'] }])] },
    });
    api.hasOutput('CustomDomainContactUrl', { Value: 'https://api.example.com/contact' });
  });

  it('creates a DNS-validated certificate and alias record', () => {
    const { api } = synthPigeon({
      apiDomain: 'api.example.com',
      hostedZoneName: 'example.com',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    api.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'api.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    const domain = onlyResource(api, 'AWS::ApiGateway::DomainName');
    api.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      AliasTarget: Match.objectLike({
        DNSName: { 'Fn::GetAtt': [domain.id, 'RegionalDomainName'] },
      }),
    });
    assert.deepEqual(api.findOutputs('CustomDomainCname'), {});
  });

  it('works with a zone id alone', () => {
    const { api } = synthPigeon({ apiDomain: 'api.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    api.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.example.com.', Type: 'A' });
  });

  it('creates a certificate without a zone', () => {
    const { api } = synthPigeon({ apiDomain: 'api.example.com' });
    api.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'api.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: Match.absent(),
    });
    api.resourceCountIs('AWS::Route53::RecordSet', 0);
    api.hasOutput('CustomDomainCname', Match.anyValue());
  });
});
