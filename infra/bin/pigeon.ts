#!/usr/bin/env node
// Entry point of the CDK app (cdk.json runs it): reads the settings from the
// context and the environment and adds pigeon's stacks.
import { App } from 'aws-cdk-lib';
import { addPigeonStacks } from '../lib/app';
import { ConfigError, readConfig } from '../lib/config';

const app = new App();
try {
  addPigeonStacks(app, readConfig((key) => app.node.tryGetContext(key)));
} catch (err) {
  if (err instanceof ConfigError) {
    // A configuration mistake needs its message, not a stack trace.
    console.error(`pigeon infra: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
app.synth();
