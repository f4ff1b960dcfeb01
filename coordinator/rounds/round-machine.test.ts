import { enoughToOpen, RoundMachine, RoundMachineError, type RoundPlan } from './round-machine.js';

const plan = (participants: string[], quorum: number): RoundPlan => ({ number: 3, participants, quorum });

function refusalOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof RoundMachineError) return error.refusal;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('round machine', () => {
  it('waits until every asked clinic answered, then closes with all updates in clinic order', () => {
    const round = new RoundMachine(plan(['c', 'a', 'b'], 2));
    expect(round.update('c')).toEqual({ kind: 'wait' });
    expect(round.update('a')).toEqual({ kind: 'wait' });
    expect(round.waitingFor()).toEqual(['b']);
    expect(round.update('b')).toEqual({ kind: 'close', updates: ['a', 'b', 'c'], outcome: 'closed with all 3 updates' });
    expect(round.state).toBe('closed');
  });

  it('reaching the quorum alone does not close before the deadline', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 2));
    round.update('a');
    expect(round.update('b')).toEqual({ kind: 'wait' });
    expect(round.state).toBe('open');
  });

  it('closes at the deadline with the quorum, naming what it had', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 2));
    round.update('b');
    round.update('a');
    expect(round.deadline()).toEqual({ kind: 'close', updates: ['a', 'b'], outcome: 'closed at its deadline with 2 of 3 updates (quorum 2)' });
  });

  it('fails at the deadline below the quorum', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 2));
    round.update('a');
    expect(round.deadline()).toEqual({ kind: 'fail', outcome: 'timed out with 1 of 3 updates, below the quorum of 2' });
    expect(round.state).toBe('failed');
  });

  it('fails at the deadline with no update at all', () => {
    expect(new RoundMachine(plan(['a'], 1)).deadline()).toEqual({ kind: 'fail', outcome: 'timed out with 0 of 1 updates, below the quorum of 1' });
  });

  it('closes with the updates when the others refused and the quorum is met', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 2));
    round.update('a');
    expect(round.refuse('c')).toEqual({ kind: 'wait' });
    expect(round.update('b')).toEqual({
      kind: 'close',
      updates: ['a', 'b'],
      outcome: 'closed with 2 updates; 1 clinics refused (their privacy ledgers say why)',
    });
  });

  it('fails once every clinic refused', () => {
    const round = new RoundMachine(plan(['a', 'b'], 1));
    expect(round.refuse('a')).toEqual({ kind: 'wait' });
    expect(round.refuse('b')).toEqual({
      kind: 'fail',
      outcome: '2 of 2 clinics refused (their privacy ledgers say why), leaving 0 updates, below the quorum of 1',
    });
  });

  it('fails when refusals leave the updates below the quorum', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 2));
    round.update('a');
    round.refuse('b');
    expect(round.refuse('c')).toEqual({
      kind: 'fail',
      outcome: '2 of 3 clinics refused (their privacy ledgers say why), leaving 1 updates, below the quorum of 2',
    });
  });

  it('stops waiting for a clinic whose update was rejected, and closes with the quorum', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 2));
    round.update('a');
    expect(round.reject('c')).toEqual({ kind: 'wait' });
    expect(round.waitingFor()).toEqual(['b']);
    expect(round.update('b')).toEqual({
      kind: 'close',
      updates: ['a', 'b'],
      outcome: "closed with 2 updates; 1 clinics' updates were rejected (the audit log says why)",
    });
  });

  it('names refusals and rejections together when it closes, and never fails early for a rejection', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c', 'd'], 2));
    round.update('a');
    round.update('b');
    round.refuse('c');
    expect(round.reject('d')).toEqual({
      kind: 'close',
      updates: ['a', 'b'],
      outcome: "closed with 2 updates; 1 clinics refused (their privacy ledgers say why) and 1 clinics' updates were rejected (the audit log says why)",
    });
    // Below the quorum without the rejected clinic: it may still send a valid update, so the round waits.
    const short = new RoundMachine(plan(['a', 'b', 'c'], 2));
    short.update('a');
    short.refuse('b');
    expect(short.reject('c')).toEqual({ kind: 'wait' });
    expect(short.update('c')).toMatchObject({ kind: 'close', updates: ['a', 'c'] });
    const late = new RoundMachine(plan(['a', 'b'], 2));
    late.update('a');
    expect(late.reject('b')).toEqual({ kind: 'wait' });
    expect(late.deadline()).toEqual({ kind: 'fail', outcome: 'timed out with 1 of 2 updates, below the quorum of 2' });
  });

  it('takes a valid update after a rejection, ignores a rejection after an update or of a clinic not asked', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 1));
    round.reject('a');
    expect(round.update('a')).toEqual({ kind: 'wait' });
    round.update('b');
    expect(round.reject('b')).toEqual({ kind: 'wait' });
    expect(round.reject('z')).toEqual({ kind: 'wait' });
    expect(round.waitingFor()).toEqual(['c']);
    expect(round.update('c')).toEqual({ kind: 'close', updates: ['a', 'b', 'c'], outcome: 'closed with all 3 updates' });
  });

  it('rebuilds rejections from storage, ignoring those of clinics not asked or already updated', () => {
    const stored = { state: 'open' as const, attempt: 0, updates: ['a'], refusals: [], rejections: ['a', 'b', 'z'] };
    const round = RoundMachine.resume(plan(['a', 'b', 'c'], 1), stored);
    expect(round.waitingFor()).toEqual(['c']);
    expect(round.refuse('c')).toMatchObject({ kind: 'close', updates: ['a'] });
    const ended = new RoundMachine(plan(['a'], 1));
    ended.update('a');
    expect(() => ended.reject('a')).toThrow('round 3 is closed: a rejection comes too late');
  });

  it('counts a clinic that sent its update as answered whatever it refuses afterwards', () => {
    const round = new RoundMachine(plan(['a', 'b'], 2));
    round.update('a');
    expect(round.refuse('a')).toEqual({ kind: 'wait' });
    expect(round.update('b')).toEqual({ kind: 'close', updates: ['a', 'b'], outcome: 'closed with all 2 updates' });
  });

  it('an update after a refusal of the same clinic is its answer', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 2));
    round.refuse('a');
    round.update('b');
    expect(round.update('a')).toEqual({ kind: 'wait' });
    expect(round.update('c')).toEqual({ kind: 'close', updates: ['a', 'b', 'c'], outcome: 'closed with all 3 updates' });
  });

  it('ignores refusals of clinics it did not ask, and a refusal repeated', () => {
    const round = new RoundMachine(plan(['a', 'b'], 1));
    expect(round.refuse('z')).toEqual({ kind: 'wait' });
    round.refuse('a');
    expect(round.refuse('a')).toEqual({ kind: 'wait' });
    expect(round.waitingFor()).toEqual(['b']);
  });

  it('refuses a second update from the same clinic and one from a clinic it did not ask, changing nothing', () => {
    const round = new RoundMachine(plan(['a', 'b'], 1));
    round.update('a');
    expect(refusalOf(() => round.update('a'))).toBe('duplicate');
    expect(refusalOf(() => round.checkUpdate('a'))).toBe('duplicate');
    expect(refusalOf(() => round.update('z'))).toBe('not-asked');
    expect(round.updates).toEqual(['a']);
    expect(round.waitingFor()).toEqual(['b']);
  });

  it('refuses answers and a deadline after the round ended', () => {
    const closed = new RoundMachine(plan(['a', 'b'], 1));
    closed.update('a');
    closed.deadline();
    expect(refusalOf(() => closed.update('b'))).toBe('ended');
    expect(refusalOf(() => closed.checkUpdate('b'))).toBe('ended');
    expect(refusalOf(() => closed.refuse('b'))).toBe('ended');
    expect(refusalOf(() => closed.deadline())).toBe('ended');
    expect(refusalOf(() => closed.restart())).toBe('ended');
    const failed = new RoundMachine(plan(['a'], 1));
    failed.refuse('a');
    expect(failed.state).toBe('failed');
    expect(refusalOf(() => failed.update('a'))).toBe('ended');
  });

  it('says why a late update is refused', () => {
    const round = new RoundMachine(plan(['a', 'b'], 1));
    round.update('a');
    round.deadline();
    expect(() => round.update('b')).toThrow('round 3 is closed: it takes no more updates');
  });

  it('names the study in its refusals when the plan gives it', () => {
    const round = new RoundMachine({ ...plan(['a', 'b'], 1), studyId: 's-1' });
    expect(() => round.checkUpdate('z')).toThrow('clinic z was not asked to train in round 3 of study s-1');
    expect(refusalOf(() => round.checkUpdate('z'))).toBe('not-asked');
    round.update('a');
    expect(() => round.checkUpdate('a')).toThrow('clinic a already sent its update for round 3 of study s-1');
    expect(refusalOf(() => round.checkUpdate('a'))).toBe('duplicate');
    round.deadline();
    expect(() => round.checkUpdate('b')).toThrow('round 3 of study s-1 is closed: it takes no more updates');
    expect(refusalOf(() => round.checkUpdate('b'))).toBe('ended');
    expect(() => round.refuse('b')).toThrow('round 3 of study s-1 is closed: a refusal comes too late');
  });

  it('restarting mid-round discards the updates taken, keeps the refusals and waits for the rest again', () => {
    const round = new RoundMachine(plan(['a', 'b', 'c'], 1));
    round.update('a');
    round.refuse('b');
    expect(round.restart()).toBe(1);
    expect(round.attempt).toBe(1);
    expect(round.updates).toEqual([]);
    expect(round.waitingFor()).toEqual(['a', 'c']);
    expect(round.update('a')).toEqual({ kind: 'wait' });
    expect(round.update('c')).toEqual({
      kind: 'close',
      updates: ['a', 'c'],
      outcome: 'closed with 2 updates; 1 clinics refused (their privacy ledgers say why)',
    });
  });

  it('resumes from what was stored: a round whose clinics all answered before a stop decides at once', () => {
    const round = RoundMachine.resume(plan(['a', 'b', 'c'], 2), { state: 'open', attempt: 0, updates: ['c', 'a'], refusals: ['b', 'z'] });
    expect(round.answered()).toEqual({
      kind: 'close',
      updates: ['a', 'c'],
      outcome: 'closed with 2 updates; 1 clinics refused (their privacy ledgers say why)',
    });
  });

  it('resumes an open round mid-way and waits for the rest', () => {
    const round = RoundMachine.resume(plan(['a', 'b'], 2), { state: 'open', attempt: 2, updates: ['a'], refusals: [] });
    expect(round.attempt).toBe(2);
    expect(round.answered()).toEqual({ kind: 'wait' });
    expect(refusalOf(() => round.update('a'))).toBe('duplicate');
  });

  it('resumes an ended round as ended', () => {
    const round = RoundMachine.resume(plan(['a', 'b'], 1), { state: 'closed', attempt: 0, updates: ['a'], refusals: [] });
    expect(refusalOf(() => round.checkUpdate('b'))).toBe('ended');
  });

  it('refuses a plan without a quorum or asking a clinic twice', () => {
    expect(() => new RoundMachine(plan(['a'], 0))).toThrow('the quorum must be a whole number of at least 1');
    expect(() => new RoundMachine(plan(['a', 'a'], 1))).toThrow('a clinic is asked twice');
  });

  it('opens round 1 with minClinics and later rounds with the quorum', () => {
    const rule = { minClinics: 3, quorum: 2 };
    expect(enoughToOpen(1, 2, rule)).toBe(false);
    expect(enoughToOpen(1, 3, rule)).toBe(true);
    expect(enoughToOpen(2, 2, rule)).toBe(true);
    expect(enoughToOpen(2, 1, rule)).toBe(false);
    expect(enoughToOpen(2, 0, { minClinics: 0, quorum: 0 })).toBe(false);
  });
});
