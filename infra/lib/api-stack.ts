// The api function behind an API Gateway REST API, with CORS, throttling and
// an optional custom domain.
import { CfnOutput, Fn, RemovalPolicy, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { FunctionCode } from './code';
import { PigeonConfig } from './config';
import { PigeonFunction } from './pigeon-function';

export const STAGE_NAME = 'prod';

export interface ApiStackProps extends StackProps {
  readonly config: PigeonConfig;
  readonly code: FunctionCode;
  // Function that the api function invokes for each accepted message.
  readonly notificationsFunction: lambda.IFunction;
}

// The api function's environment. A setting left unset is left out, so the
// function applies its own default.
export function apiEnvironment(config: PigeonConfig, notificationsFunctionName: string): Record<string, string> {
  const environment: Record<string, string> = {
    LAMBDA_NOTIFICATIONS: notificationsFunctionName,
    NOTIFICATIONS_INVOCATION_TYPE: config.invocationType,
    CORS_ALLOW_ORIGIN: config.corsAllowOrigin,
    LAMBDA_FUNCTIONS_LOG_LEVEL: config.logLevel,
  };
  const optional: Record<string, string | number | undefined> = {
    CONTACT_SUCCESS_URL: config.contactSuccessUrl,
    CONTACT_ERROR_URL: config.contactErrorUrl,
    HONEYPOT_FIELD: config.honeypotField,
    NOTIFICATION_MAX_CHARS: config.notificationMaxChars,
    API_MAX_EVENT_BYTES: config.apiMaxEventBytes,
    VERSION: config.version,
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) {
      environment[name] = String(value);
    }
  }
  return environment;
}

export class ApiStack extends Stack {
  public readonly apiFunction: lambda.Function;
  public readonly api: apigateway.LambdaRestApi;
  // Set only when apiDomain is configured.
  public readonly domainName?: apigateway.DomainName;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const functionName = `${config.stackPrefix}-api`;

    const fn = new PigeonFunction(this, 'Api', {
      config,
      functionName,
      description: 'pigeon api: validates contact form posts and invokes the notifications function',
      code: props.code,
      environment: apiEnvironment(config, props.notificationsFunction.functionName),
    });
    this.apiFunction = fn.function;
    // Allows lambda:InvokeFunction on that one function (and its versions).
    props.notificationsFunction.grantInvoke(this.apiFunction);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${config.stackPrefix}-api`,
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = new apigateway.LambdaRestApi(this, 'RestApi', {
      restApiName: `${config.stackPrefix}-api`,
      description: 'pigeon contact form API',
      handler: this.apiFunction,
      // The api function routes every path and method itself ("POST
      // /contact", 404, 405), CORS preflight requests included: OPTIONS
      // reaches it through the ANY methods, so no MOCK preflight is added
      // here (see "CORS" in infra/README.md).
      proxy: true,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Access logs need the account's API Gateway CloudWatch role. This
      // creates it and sets it on the account (one setting per region).
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE_NAME,
        // Stage-wide limits, so a flood of posts cannot run up the bill.
        throttlingRateLimit: config.throttleRate,
        throttlingBurstLimit: config.throttleBurst,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the API stage',
      value: this.api.url,
    });
    new CfnOutput(this, 'ContactUrl', {
      description: 'Endpoint that the contact form posts to',
      value: this.api.urlForPath('/contact'),
    });
    new CfnOutput(this, 'NotificationsFunctionName', {
      description: 'Function that the api function invokes (LAMBDA_NOTIFICATIONS)',
      value: props.notificationsFunction.functionName,
    });

    if (config.apiDomain !== undefined) {
      this.domainName = this.addCustomDomain(config, config.apiDomain);
    }

    Tags.of(this.api).add('Name', `${config.stackPrefix}-api`);
  }

  private addCustomDomain(config: PigeonConfig, apiDomain: string): apigateway.DomainName {
    let zone: route53.IHostedZone | undefined;
    if (config.hostedZoneId !== undefined) {
      zone =
        config.hostedZoneName !== undefined
          ? route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
              hostedZoneId: config.hostedZoneId,
              zoneName: config.hostedZoneName,
            })
          : route53.HostedZone.fromHostedZoneId(this, 'HostedZone', config.hostedZoneId);
    }

    // A regional endpoint needs a certificate in the stack's own region.
    // Without a hosted zone, a new certificate waits until someone creates
    // the validation CNAME that ACM shows for it.
    const certificate =
      config.certificateArn !== undefined
        ? acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn)
        : new acm.Certificate(this, 'Certificate', {
            domainName: apiDomain,
            validation: acm.CertificateValidation.fromDns(zone),
          });

    const domain = this.api.addDomainName('CustomDomain', {
      domainName: apiDomain,
      certificate,
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
    });

    new CfnOutput(this, 'CustomDomainContactUrl', {
      description: 'Contact endpoint on the custom domain',
      value: `https://${apiDomain}/contact`,
    });

    if (zone !== undefined) {
      // A trailing dot makes the name absolute, so no zone name is needed.
      new route53.ARecord(this, 'AliasRecord', {
        zone,
        recordName: `${apiDomain}.`,
        target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(domain)),
      });
    } else {
      new CfnOutput(this, 'CustomDomainCname', {
        description: `No hosted zone is configured: create this CNAME record in the DNS zone of ${apiDomain}`,
        value: Fn.join('', [apiDomain, '. CNAME ', domain.domainNameAliasDomainName, '.']),
      });
    }
    return domain;
  }
}
