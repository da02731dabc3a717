import { afterAll, expect } from 'vitest';
import { logTaps } from '../../src/lib/logger';
import { scanForSecrets } from './secret-scan';
import { seenExchanges } from './services';

/**
 * Setup file of the ddb project: every log line and every answer through `call` in each test file is
 * scanned for credentials once the file's tests are done, so the whole ddb run (the fuzz suite with its
 * thousands of requests included) is covered, not just the secret-scan test.
 */
const logLines: string[] = [];
logTaps.push((line) => {
  logLines.push(line);
});

afterAll(() => {
  if (process.env.SECRET_SCAN_VERBOSE)
    console.log(`secret scan: ${seenExchanges.length} answers, ${logLines.length} log lines`);
  const findings = scanForSecrets({ exchanges: seenExchanges, logLines });
  expect(findings, 'credentials in a response or log line of this test file').toEqual([]);
});
