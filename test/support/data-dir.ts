import { resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../common/paths.js';

/** The offline dataset copies tests read: COHORT_DATA_DIR, else ../shared/data beside the checkout. */
export const DATA_DIR = resolve(PACKAGE_ROOT, process.env['COHORT_DATA_DIR'] ?? '../shared/data');
