import { status } from '@grpc/grpc-js';
import { FederationError } from '../../common/errors.js';
import { RoundMachineError } from './round-machine.js';
import { asRefusal } from './round-machines.js';

describe('asRefusal', () => {
  it('gives each round refusal its status, with the machine message unchanged', () => {
    const cases = [
      ['ended', status.FAILED_PRECONDITION],
      ['not-asked', status.PERMISSION_DENIED],
      ['duplicate', status.ALREADY_EXISTS],
    ] as const;
    for (const [kind, code] of cases) {
      const refusal = asRefusal(new RoundMachineError(`why ${kind}`, kind));
      expect(refusal).toBeInstanceOf(FederationError);
      expect(refusal).toMatchObject({ code, message: `why ${kind}` });
    }
  });

  it('passes anything else on unchanged', () => {
    const bug = new TypeError('a bug');
    expect(asRefusal(bug)).toBe(bug);
  });
});
