// Builds pigeon's two stacks in a CDK app.
import { App, Environment, Tags } from 'aws-cdk-lib';
import { ApiStack } from './api-stack';
import { loadFunctionCode } from './code';
import { PigeonConfig } from './config';
import { NotificationsStack } from './notifications-stack';

export interface PigeonStacks {
  readonly notifications: NotificationsStack;
  readonly api: ApiStack;
}

// Adds "<prefix>-notifications" and "<prefix>-api" to the app. The stacks are
// environment-agnostic unless the configuration names an account or region.
export function addPigeonStacks(app: App, config: PigeonConfig): PigeonStacks {
  const env: Environment | undefined =
    config.account !== undefined || config.region !== undefined
      ? { account: config.account, region: config.region }
      : undefined;

  // Stack-level tags, which CloudFormation copies to every taggable resource.
  const tags = { Managed: 'cdk', Project: 'pigeon' };

  const notificationsName = `${config.stackPrefix}-notifications`;
  const notifications = new NotificationsStack(app, notificationsName, {
    stackName: notificationsName,
    description: 'pigeon notifications function and its failure queue',
    env,
    tags,
    config,
    code: loadFunctionCode(config.notificationsZip, 'notificationsZip', config.placeholderCode),
  });

  const apiName = `${config.stackPrefix}-api`;
  const api = new ApiStack(app, apiName, {
    stackName: apiName,
    description: 'pigeon contact form API and api function',
    env,
    tags,
    config,
    code: loadFunctionCode(config.apiZip, 'apiZip', config.placeholderCode),
    notificationsFunction: notifications.notificationsFunction,
  });

  // The same tags on each resource in the template, so they show in diffs.
  // A Name tag added on a deeper construct wins over the stack name, and the
  // stacks themselves get no Name because CloudFormation would copy it down.
  for (const stack of [notifications, api]) {
    for (const [key, value] of Object.entries(tags)) {
      Tags.of(stack).add(key, value);
    }
    Tags.of(stack).add('Name', stack.stackName);
  }
  return { notifications, api };
}
