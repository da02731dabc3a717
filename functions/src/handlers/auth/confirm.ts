import { emailSchema } from '@spot/shared';
import { z } from 'zod';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

const body = z.object({
  email: emailSchema,
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code from the email.'),
});

export const handler = httpHandler({ auth: 'public', body }, async ({ body }) => {
  await port('identity').confirmUser(body.email, body.code);
  return { statusCode: 204 };
});
