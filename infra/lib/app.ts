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

  const notificationsName = `${config.stackPrefix}-notifications`;
  const notifications = new NotificationsStack(app, notificationsName, {
    stackName: notificationsName,
    description: 'pigeon notifications function and its failure queue',
    env,
    config,
    code: loadFunctionCode(config.notificationsZip, 'notificationsZip', config.placeholderCode),
  });

  const apiName = `${config.stackPrefix}-api`;
  const api = new ApiStack(app, apiName, {
    stackName: apiName,
    description: 'pigeon contact form API and api function',
    env,
    config,
    code: loadFunctionCode(config.apiZip, 'apiZip', config.placeholderCode),
    notificationsFunction: notifications.notificationsFunction,
  });

  for (const stack of [notifications, api]) {
    Tags.of(stack).add('Managed', 'cdk');
    Tags.of(stack).add('Project', 'pigeon');
    // Resources with a Name tag of their own keep it: a tag added on a
    // deeper construct wins over one added on the stack.
    Tags.of(stack).add('Name', stack.stackName);
  }
  return { notifications, api };
}
