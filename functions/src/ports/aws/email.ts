import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { optionalEnv } from '../../lib/env';
import { errorFields, logger } from '../../lib/logger';
import type { EmailMessage, EmailPort, NoticeDelivery } from '../types';

/** What to tell a person for each way SES refuses a message (by the SDK's exception name). */
const refusals: Record<string, string> = {
  MessageRejected:
    'SES rejected the message (in the SES sandbox, the recipient must be a verified address too).',
  MailFromDomainNotVerifiedException: 'The sender domain is not verified in SES.',
  AccountSuspendedException: 'Sending email is suspended for this AWS account in SES.',
  SendingPausedException: 'Sending email is paused for this AWS account in SES.',
  TooManyRequestsException: 'SES was throttling; the notice was not sent.',
  LimitExceededException: 'The SES sending quota is used up; the notice was not sent.',
  NotFoundException: 'The sender identity does not exist in SES.',
  BadRequestException: 'SES refused the message as malformed.',
};

/**
 * Email through Amazon SES (v2 SendEmail) from the deployment's sender address (`NOTIFY_SENDER`, an SES
 * verified identity or an address of a verified domain). One message per recipient, so each carries its
 * own Snooze link. A refusal is answered, not thrown: the notice is already claimed and is not re-sent.
 */
export class SesEmailSender implements EmailPort {
  constructor(
    private readonly client = new SESv2Client({}),
    private readonly from = optionalEnv('NOTIFY_SENDER'),
  ) {}

  async send(message: EmailMessage): Promise<NoticeDelivery> {
    if (!this.from)
      return {
        delivered: false,
        message: 'Email is not set up in this deployment (deploy with -c notificationSender=<address>).',
      };
    try {
      await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: message.text, Charset: 'UTF-8' },
                Html: { Data: message.html, Charset: 'UTF-8' },
              },
            },
          },
        }),
      );
      return { delivered: true, message: 'Sent.' };
    } catch (error) {
      const name = (error as Error)?.name ?? '';
      logger.warn('email not sent', errorFields(error));
      return {
        delivered: false,
        message: refusals[name] ?? 'SES did not accept the message; it was not sent.',
      };
    }
  }
}
