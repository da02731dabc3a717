import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { appUrlParameterArn } from '../naming';
import type { PolicyGrant, ProductResources } from './types';

/**
 * SES SendEmail from the deployment's notification sender only: the identity of the address itself and
 * of its domain (SES authorizes against whichever of the two is verified). No sender configured: no
 * grant at all (the email adapter then says email is not set up).
 */
export function sendEmail(scope: Construct, r: ProductResources): PolicyGrant {
  const sender = r.notificationSender;
  if (!sender) return { statements: [], acknowledgements: [] };
  const identity = (name: string) =>
    Stack.of(scope).formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: name,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const domain = sender.slice(sender.lastIndexOf('@') + 1);
  return {
    statements: [
      new PolicyStatement({
        sid: 'SendNotificationEmail',
        actions: ['ses:SendEmail'],
        resources: [identity(sender), identity(domain)],
        // Only from the sender address, whichever identity authorizes it.
        conditions: { StringEquals: { 'ses:FromAddress': sender } },
      }),
    ],
    acknowledgements: [],
  };
}

/** The one SSM parameter holding the web app's address. */
export function appUrl(scope: Construct, r: ProductResources): PolicyGrant {
  return {
    statements: [
      new PolicyStatement({
        sid: 'ReadAppUrl',
        actions: ['ssm:GetParameter'],
        resources: [appUrlParameterArn(scope, r.names)],
      }),
    ],
    acknowledgements: [],
  };
}
