// A C custom-runtime Lambda function with its own role and log group.
import { Annotations, Duration, RemovalPolicy, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FunctionCode } from './code';
import { ConfigError, PigeonConfig } from './config';

export interface PigeonFunctionProps {
  readonly config: PigeonConfig;
  readonly functionName: string;
  readonly description: string;
  readonly code: FunctionCode;
  readonly environment: Record<string, string>;
  // Asynchronous invocation settings, passed through to lambda.Function.
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
  readonly onFailure?: lambda.IDestination;
}

// Lambda rejects a function whose environment variables take more than 4 KB.
// Counting the bytes of names and values is an estimate of its rule.
export const MAX_ENVIRONMENT_BYTES = 4096;
// Estimated size of a value known only at deploy time, such as a function
// name or a part of an ARN: the length of the longest function name.
const TOKEN_BYTES_ESTIMATE = 64;

// Estimates the size Lambda counts for environment, with each unresolved
// token counted as TOKEN_BYTES_ESTIMATE bytes.
export function environmentBytes(environment: Record<string, string>): number {
  let total = 0;
  for (const [name, value] of Object.entries(environment)) {
    let literal = value;
    let tokens = 0;
    if (Token.isUnresolved(value)) {
      literal = value.replace(/\$\{Token\[[^\]]*\]\}/g, () => {
        tokens++;
        return '';
      });
    }
    total += Buffer.byteLength(name) + Buffer.byteLength(literal) + tokens * TOKEN_BYTES_ESTIMATE;
  }
  return total;
}

export class PigeonFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PigeonFunctionProps) {
    super(scope, id);
    const { config } = props;

    // Caught here, CloudFormation would only report it halfway through a
    // deployment. Long redirect URLs and origin lists are the likely cause.
    const size = environmentBytes(props.environment);
    if (size > MAX_ENVIRONMENT_BYTES) {
      throw new ConfigError(
        `${props.functionName}: its environment variables take about ${size} bytes, more than Lambda's ` +
          `${MAX_ENVIRONMENT_BYTES}: shorten contactSuccessUrl, contactErrorUrl or corsAllowOrigin`,
      );
    }

    // Named the way Lambda names its default group, so console links work.
    // It is deleted with the stack because its entries expire anyway.
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // A role of its own instead of AWSLambdaBasicExecutionRole, whose log
    // permissions cover every log group of the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      architecture: config.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      code: props.code.code,
      memorySize: config.memorySize,
      timeout: Duration.seconds(config.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      onFailure: props.onFailure,
    });
    // The role's policy must exist before the function can write its first
    // log line.
    this.function.node.addDependency(this.role);

    if (props.code.isPlaceholder) {
      Annotations.of(this.function).addWarningV2(
        'pigeon:placeholderCode',
        `${props.functionName} uses placeholder code that fails every invocation: run \`make package\` before deploying`,
      );
    }

    Tags.of(this).add('Name', props.functionName);
  }
}
