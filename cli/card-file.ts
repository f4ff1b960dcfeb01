/** A clinic's card (its public keys, as `cohort keys init` wrote it) read from a file. */
import { readFileSync } from 'node:fs';
import { cardFromJson, IdentityError, type ClinicCard } from '../crypto/index.js';

export function readCard(path: string): ClinicCard {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new IdentityError(`cannot read card ${path}: ${(error as Error).message}`);
  }
  try {
    return cardFromJson(JSON.parse(text));
  } catch (error) {
    throw new IdentityError(`${path} is not a clinic card: ${(error as Error).message}`);
  }
}
