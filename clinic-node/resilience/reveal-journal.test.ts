import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity } from '../../crypto/index.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import { LedgerFile } from '../privacy/ledger-file.js';
import { PrivacyGuard } from '../privacy/privacy-guard.js';
import { secAggAttemptRefusal } from '../protocols/secure-round.js';
import { roundFileName } from './durable-file.js';
import { RevealJournal } from './reveal-journal.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-reveals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dpSpec = { targetEpsilon: 1, delta: 1e-3, clipNorm: 0.5, totalSteps: 6 };
/** A TRAIN task of a secure-aggregation round's attempt, as the node gets it. */
function task(studyId: string, round: number, attempt: number, dp: boolean): Task__Output {
  return {
    kind: 'TASK_KIND_TRAIN',
    studyId,
    round,
    dp: dp ? dpSpec : null,
    secagg: { threshold: 2, degree: 3, clipRange: 0.5, maxTotalWeight: '40', stageTimeoutMs: 5000, minContributors: 3, attempt },
  } as unknown as Task__Output;
}

describe('a secagg round run again after a coordinator restart, at the node', () => {
  it('a node that revealed its shares in attempt 0 refuses attempt 1, after its own restart too, with or without DP', async () => {
    const path = join(dir, 'a');
    const journal = await RevealJournal.open(path);
    expect(secAggAttemptRefusal(journal, task('s', 2, 0, true))).toBeNull();
    await journal.record('s', 2, 0);
    expect(journal.revealed('s', 2)).toEqual({ studyId: 's', round: 2, attempt: 0 });
    expect(statSync(join(path, roundFileName('s', 2))).mode & 0o777).toBe(0o600);

    // The node restarts: the marker is read back, and attempt 1 of that round is refused with the reason.
    const reopened = await RevealJournal.open(path);
    const refusal =
      "this node revealed its shares in attempt 0 of round 2 of study s, so that attempt's sum may have been unmasked; joining another attempt could let two sums of different survivors be subtracted";
    expect(secAggAttemptRefusal(reopened, task('s', 2, 1, true))).toBe(`${refusal}, and would be a second noisy release under the round's one privacy spend`);
    expect(secAggAttemptRefusal(reopened, task('s', 2, 1, false))).toBe(refusal);
    // Other rounds are joined.
    expect(secAggAttemptRefusal(reopened, task('s', 3, 1, true))).toBeNull();
  });

  it('a marker cut short before the reveal is dropped; an unreadable one still counts as revealed', async () => {
    const path = join(dir, 'b');
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, `${roundFileName('s', 1)}.tmp-1-abcd`), '{"stud');
    writeFileSync(join(path, roundFileName('s', 4)), 'not json');
    const lines: string[] = [];
    const journal = await RevealJournal.open(path, (line) => lines.push(line));
    expect(readdirSync(path)).toEqual([roundFileName('s', 4)]);
    expect(journal.revealed('s', 1)).toBeNull();
    expect(secAggAttemptRefusal(journal, task('s', 4, 1, true))).not.toBeNull();
    expect(lines).toEqual([`${join(path, roundFileName('s', 4))}: unreadable reveal marker; its round is treated as revealed`]);
  });

  it("a later attempt goes under the ledger's one decision for the round: same noise, no second spend", () => {
    const ledger = LedgerFile.open(join(dir, 'ledger.jsonl'), createIdentity('cleveland'));
    const guard = new PrivacyGuard(ledger, { epsilon: 5, delta: 1e-3 });
    expect(guard.recorded('s', 2)).toBeNull();
    const first = guard.decide({ studyId: 's', round: 2, dp: dpSpec, batchSize: 4, localSteps: 10, distributed: { contributors: 3 } }, 199);
    expect(first.train).toBe(true);
    const again = guard.recorded('s', 2);
    expect(again).toEqual(first);
    expect(ledger.entries().filter((e) => e.round === 2 && e.kind === 'spend')).toHaveLength(1);
    expect(guard.recorded('s', 3)).toBeNull();
  });
});
