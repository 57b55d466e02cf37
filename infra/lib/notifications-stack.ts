// The notifications function, its failure queue and its Pushover credentials.
import { Annotations, ArnFormat, CfnOutput, Duration, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FunctionCode } from './code';
import { PigeonConfig } from './config';
import { PigeonFunction } from './pigeon-function';

// Lambda retries a failed asynchronous invocation at most twice.
export const NOTIFICATION_RETRY_ATTEMPTS = 2;
// An event still undelivered after this long goes to the failure queue.
export const NOTIFICATION_MAX_EVENT_AGE = Duration.hours(6);
// SQS's maximum retention, so a failed notification stays readable for two weeks.
export const FAILURE_RETENTION = Duration.days(14);

export interface NotificationsStackProps extends StackProps {
  readonly config: PigeonConfig;
  readonly code: FunctionCode;
}

export class NotificationsStack extends Stack {
  // Notifications function, which other stacks may grant invoke on.
  public readonly notificationsFunction: lambda.Function;
  // Queue that receives asynchronous invocations that failed every retry.
  public readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: NotificationsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const functionName = `${config.stackPrefix}-notifications`;

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      queueName: `${config.stackPrefix}-notifications-failed`,
      retentionPeriod: FAILURE_RETENTION,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Tags.of(this.failureQueue).add('Name', `${config.stackPrefix}-notifications-failed`);

    const fn = new PigeonFunction(this, 'Notifications', {
      config,
      functionName,
      description: 'pigeon notifications: delivers messages through Pushover',
      code: props.code,
      environment: {
        LAMBDA_FUNCTIONS_LOG_LEVEL: config.logLevel,
        ...this.credentialEnvironment(config),
      },
      retryAttempts: NOTIFICATION_RETRY_ATTEMPTS,
      maxEventAge: NOTIFICATION_MAX_EVENT_AGE,
      onFailure: new SqsDestination(this.failureQueue),
    });
    this.notificationsFunction = fn.function;
    this.grantCredentialRead(config, fn.role);

    new CfnOutput(this, 'NotificationsFunctionName', {
      description: 'Name of the notifications function (LAMBDA_NOTIFICATIONS of the api function)',
      value: this.notificationsFunction.functionName,
    });
    new CfnOutput(this, 'FailureQueueUrl', {
      description: 'Queue of notifications that failed every retry',
      value: this.failureQueue.queueUrl,
    });
  }

  // Environment variables that tell the function where its credentials are.
  private credentialEnvironment(config: PigeonConfig): Record<string, string> {
    if (config.plainCredentialsIgnored) {
      Annotations.of(this).addWarningV2(
        'pigeon:plainCredentialsIgnored',
        'pushoverToken/pushoverUserKey are set but ignored because a secret parameter or secret is configured',
      );
    }
    if (config.pushoverSecretParameter !== undefined) {
      return { PUSHOVER_SECRET_PARAMETER: config.pushoverSecretParameter };
    }
    if (config.pushoverSecretArn !== undefined) {
      return { PUSHOVER_SECRET_ARN: this.pushoverSecret(config.pushoverSecretArn).secretArn };
    }
    if (config.pushoverToken !== undefined && config.pushoverUserKey !== undefined) {
      // NOTE: plain values are visible in the template and in the Lambda
      // console. The SSM and Secrets Manager settings avoid that.
      return { PUSHOVER_TOKEN: config.pushoverToken, PUSHOVER_USERKEY: config.pushoverUserKey };
    }
    Annotations.of(this).addWarningV2(
      'pigeon:noPushoverCredentials',
      'no Pushover credentials are configured, so every notification will fail and land in the failure queue',
    );
    return {};
  }

  // Lets the role read the one parameter or secret that contains the credentials.
  private grantCredentialRead(config: PigeonConfig, role: iam.IRole): void {
    let viaService: string;
    if (config.pushoverSecretParameter !== undefined) {
      // The function calls GetParameter with WithDecryption, which needs
      // no more than ssm:GetParameter (and the key, below).
      const parameterArn = config.pushoverSecretParameter.startsWith('arn:')
        ? config.pushoverSecretParameter
        : this.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: config.pushoverSecretParameter.replace(/^\//, ''),
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameterArn] }),
      );
      viaService = 'ssm';
    } else if (config.pushoverSecretArn !== undefined) {
      // secretsmanager:GetSecretValue and DescribeSecret on that secret.
      this.pushoverSecret(config.pushoverSecretArn).grantRead(role);
      viaService = 'secretsmanager';
    } else {
      return;
    }

    // A parameter or secret under the AWS managed key needs no key grant, but
    // a customer managed key must allow this role to decrypt. SSM and Secrets
    // Manager call KMS as the role, so the grant is limited to calls made
    // through the service that stores the secret, in the function's region.
    if (config.pushoverSecretKmsKeyArn !== undefined) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [config.pushoverSecretKmsKeyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `${viaService}.${this.region}.${this.urlSuffix}` },
          },
        }),
      );
    }
  }

  private secret?: secretsmanager.ISecret;

  private pushoverSecret(nameOrArn: string): secretsmanager.ISecret {
    if (this.secret === undefined) {
      if (!nameOrArn.startsWith('arn:')) {
        this.secret = secretsmanager.Secret.fromSecretNameV2(this, 'PushoverSecret', nameOrArn);
      } else if (/-[A-Za-z0-9]{6}$/.test(nameOrArn)) {
        // Secrets Manager appends six random characters to a complete ARN.
        this.secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'PushoverSecret', nameOrArn);
      } else {
        this.secret = secretsmanager.Secret.fromSecretPartialArn(this, 'PushoverSecret', nameOrArn);
      }
    }
    return this.secret;
  }
}
