import { describe, expect, it } from '@jest/globals';
import { nodeCommand } from './commands/node.js';

const own = ['--dataset', 'liver', '--schema', 's.json', '--data', 'p.csv', '--mapping', 'm.json'];

describe("cohort node's flags for a clinic's own data", () => {
  it('are given together, with the dataset name, and not with a data directory', async () => {
    await expect(nodeCommand.run(['--check', '--schema', 's.json', '--data', 'p.csv'])).rejects.toThrow(
      "the clinic's own data needs --schema, --data and --mapping together (given: --schema, --data)",
    );
    await expect(nodeCommand.run(['--check', ...own.slice(2)])).rejects.toThrow("--dataset is required with --schema: the name of the study's dataset");
    await expect(nodeCommand.run(['--check', ...own, '--data-dir', 'x'])).rejects.toThrow('--data-dir is for built-in datasets');
    await expect(nodeCommand.run(['--check', ...own, '--test-fraction', '0.7'])).rejects.toThrow('--test-fraction must be from 0 to 0.5, got "0.7"');
    await expect(nodeCommand.run(['--check', '--test-fraction', '0.1'])).rejects.toThrow("--test-fraction applies to a clinic's own data");
    await expect(nodeCommand.run(['--check'])).rejects.toThrow("--check reads a clinic's own data");
  });

  it('name a schema file that cannot be read', async () => {
    await expect(nodeCommand.run(['--check', ...own])).rejects.toThrow(/cannot read the study schema file s\.json/);
  });
});
