import { appendFileSync } from 'node:fs';
import type { AuditDeadLetter, DeadLetterPort } from '@spot/functions/ports/types';

/**
 * The local stand-in for the SIEM stream's SQS dead-letter queue: letters are kept in memory (tests read
 * them) and, given a file, appended to it as JSON lines (the local stack's `.local/audit-dead-letters.jsonl`),
 * where a person looks for what could not be delivered.
 */
export class LocalDeadLetters implements DeadLetterPort {
  readonly letters: AuditDeadLetter[] = [];

  constructor(private readonly file?: string) {}

  async send(letter: AuditDeadLetter): Promise<void> {
    this.letters.push(letter);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(letter)}\n`);
  }
}
