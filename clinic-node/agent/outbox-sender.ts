import type { ServiceError } from '@grpc/grpc-js';
import type { FederationClient } from '../client/federation-client.js';
import { describeError, roundMovedOn } from '../client/answers.js';
import { isTransient, outgoingUpdate, type Outbox, type OutboxEntry } from '../resilience/index.js';
import type { NodeSummary } from './node-summary.js';
import { RoundBook } from './round-book.js';

export interface OutboxSenderParts {
  client: Pick<FederationClient, 'uploadUpdate'>;
  outbox: Outbox;
  rounds: RoundBook;
  summary: Pick<NodeSummary, 'trainedRounds' | 'resentUpdates'>;
  clinicId: string;
  log: (message: string) => void;
  /** Whether the node was asked to stop: no more resends then. */
  stopping: () => boolean;
}

/** Uploads the updates kept in the outbox, and forgets each once the coordinator has answered it for good. */
export class OutboxSender {
  constructor(private readonly parts: OutboxSenderParts) {}

  /**
   * Uploads an entry; true when the coordinator took it. An entry goes once the coordinator has
   * answered for good: it took it, or the round went on without it. On a transient error the entry
   * stays for the resend after reconnecting; any other refusal stops the node with the entry kept
   * (delete the file to give the update up), as a refusal of a fresh upload always did.
   */
  async deliver(entry: OutboxEntry): Promise<boolean> {
    const { client, outbox, rounds, clinicId, log } = this.parts;
    const { studyId, round } = entry.header;
    const key = RoundBook.key(studyId, round);
    try {
      await client.uploadUpdate(outgoingUpdate(entry));
    } catch (error) {
      if (!roundMovedOn(error)) {
        if (isTransient(error)) {
          log(
            `${clinicId}: round ${round} of study ${studyId}: update not delivered (${describeError(error)}); it stays in the outbox and is resent after reconnecting`,
          );
        }
        throw error;
      }
      await outbox.remove(entry);
      rounds.markAnswered(key);
      // A round that closed while we trained (deadline) or reconnected is not an error of this node.
      log(`${clinicId}: round ${round} update not taken: ${(error as ServiceError).details}`);
      return false;
    }
    await outbox.remove(entry);
    rounds.markAnswered(key);
    if (rounds.trainedHere(key)) this.parts.summary.trainedRounds++;
    return true;
  }

  /** Sends an entry again (after a lost connection or a restart), counting it once acknowledged. */
  async resend(entry: OutboxEntry): Promise<void> {
    if (!(await this.deliver(entry))) return;
    this.parts.summary.resentUpdates++;
    this.parts.log(`${this.parts.clinicId}: round ${entry.header.round} of study ${entry.header.studyId}: update acknowledged`);
  }

  /** After every (re)connect, before new tasks: the outbox, oldest first. */
  async resendAll(): Promise<void> {
    const { outbox, clinicId, log } = this.parts;
    for (const entry of outbox.entries()) {
      if (this.parts.stopping()) return;
      const { clinicId: owner, studyId, round } = entry.header;
      if (owner !== clinicId) {
        log(`${clinicId}: ${entry.path} holds an update of clinic ${owner}, not sent (is this the right state directory?)`);
        continue;
      }
      log(`${clinicId}: resending the update of round ${round} of study ${studyId} from the outbox`);
      await this.resend(entry);
    }
  }
}
