import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeState } from './node-state.js';
import { TrainingJournal } from './training-journal.js';

const STUDY = '3f0c2b9e-4a57-4c61-9f0e-0a1b2c3d4e5f';

describe('training journal', () => {
  const root = mkdtempSync(join(tmpdir(), 'cohort-journal-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const fresh = () => join(root, `j${n++}`);

  it('keeps a durable marker from the start of a round until it ends; leftovers are what a crash left', async () => {
    const dir = fresh();
    const journal = await TrainingJournal.open(dir);
    expect(journal.leftovers()).toEqual([]);
    await journal.begin(STUDY, 2);
    await journal.begin(STUDY, 3);
    expect(readdirSync(dir).sort()).toEqual([`${STUDY}-2`, `${STUDY}-3`]);
    expect(statSync(join(dir, `${STUDY}-2`)).mode & 0o777).toBe(0o600);
    await journal.end(STUDY, 2);
    await journal.end(STUDY, 2); // idempotent
    expect((await TrainingJournal.open(dir)).leftovers()).toEqual([{ studyId: STUDY, round: 3 }]);
  });

  it('ignores a marker whose write a crash cut short (the round had not started) and drops unreadable ones with a log line', async () => {
    const dir = fresh();
    const journal = await TrainingJournal.open(dir);
    await journal.begin(STUDY, 1);
    writeFileSync(join(dir, `${STUDY}-2.tmp-99-00ff00ff`), '{"studyId":');
    writeFileSync(join(dir, 'garbage'), 'not json');
    const log: string[] = [];
    expect((await TrainingJournal.open(dir, (line) => log.push(line))).leftovers()).toEqual([{ studyId: STUDY, round: 1 }]);
    expect(readdirSync(dir)).toEqual([`${STUDY}-1`]);
    expect(log).toEqual([expect.stringMatching(/garbage: removed an unreadable training marker$/)]);
  });
});

describe('node state', () => {
  const root = mkdtempSync(join(tmpdir(), 'cohort-state-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('sits out a round it crashed while training, clears the marker once the study moves on, and trusts an update already in the outbox', async () => {
    const dir = join(root, 'node');
    const before = await NodeState.open(dir, 'cleveland');
    await before.journal.begin(STUDY, 2); // crashed mid-training of round 2
    await before.journal.begin(STUDY, 4); // round 4 was trained, its update written, then the crash
    await before.outbox.put({
      clinicId: 'cleveland',
      studyId: STUDY,
      round: 4,
      modelVersion: 3,
      codec: 'plain-f32',
      numSamples: 1,
      trainLoss: 0,
      payload: new Uint8Array(4),
    });

    const log: string[] = [];
    const state = await NodeState.open(dir, 'cleveland', (line) => log.push(line));
    expect(log).toEqual([
      `cleveland: crashed while training round 2 of study ${STUDY}: rejoining at the next round`,
      'cleveland: 1 update from an earlier run in the outbox, resent once connected',
    ]);
    expect(state.abandonedRounds()).toEqual([{ studyId: STUDY, round: 2 }]);
    expect(state.isAbandoned(STUDY, 2)).toBe(true);
    expect(state.isAbandoned(STUDY, 4)).toBe(false);
    expect(state.outbox.get(STUDY, 4)).toBeDefined();
    expect(readdirSync(join(dir, 'training'))).toEqual([`${STUDY}-2`]);

    // Another restart before the round closed: still sat out.
    expect((await NodeState.open(dir, 'cleveland')).isAbandoned(STUDY, 2)).toBe(true);

    await state.roundsOver(STUDY, 1);
    expect(state.isAbandoned(STUDY, 2)).toBe(true);
    await state.roundsOver('another-study', 10);
    expect(state.isAbandoned(STUDY, 2)).toBe(true);
    await state.roundsOver(STUDY, 2);
    expect(state.isAbandoned(STUDY, 2)).toBe(false);
    expect(readdirSync(join(dir, 'training'))).toEqual([]);
    expect(state.abandonedRounds()).toEqual([{ studyId: STUDY, round: 2 }]); // the summary keeps it
  });
});
