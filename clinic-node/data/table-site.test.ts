import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStudySchema, schemaDatasetId, schemaDescriptor } from '../../common/schema/index.js';
import type { SiteDataset } from './dataset.js';
import { loadTableSite, siteStatistics, tableDataset, type TableSource } from './table-site.js';

const FEATURES = [{ name: 'age', type: 'number', range: [0, 120] }];
const GRADES = ['mild', 'moderate', 'severe'];

describe("a clinic's own table for a classification or regression task", () => {
  let dir: string;
  const write = (name: string, schema: unknown): TableSource => {
    writeFileSync(join(dir, `${name}-schema.json`), JSON.stringify(schema));
    return { schemaFile: join(dir, `${name}-schema.json`), dataFile: join(dir, 'grades.csv'), mappingFile: join(dir, 'mapping.json'), testFraction: 0 };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-table-site-'));
    writeFileSync(join(dir, 'grades.csv'), 'Age,Grade\n40,1\n55,3\n61,2\n70,3\n33,1\n');
    writeFileSync(
      join(dir, 'mapping.json'),
      JSON.stringify({ columns: { age: 'Age', grade: 'Grade' }, codes: { grade: { '1': 'mild', '2': 'moderate', '3': 'severe' } } }),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives a multiclass study each record its level index as label, and the coordinator a softmax over the levels', async () => {
    const schema = { task: 'multiclass', features: FEATURES, target: { column: 'grade', levels: GRADES } };
    const table = await loadTableSite(write('multiclass', schema), 'clinic-a');
    const data = tableDataset(table, 'grades@000000000000', siteStatistics(table)) as SiteDataset;
    expect(data.task).toBe('multiclass');
    expect(Array.from(data.train.y).sort()).toEqual([0, 0, 1, 2, 2]);
    const parsed = parseStudySchema(schema);
    const descriptor = schemaDescriptor(schemaDatasetId('grades', parsed), parsed, 'site');
    expect([descriptor.task, descriptor.outputDim, descriptor.classes]).toEqual(['multiclass', 3, GRADES]);
  });

  it("gives a regression study each record's value as its target, and the coordinator one linear output", async () => {
    const schema = { task: 'regression', features: FEATURES, target: { column: 'grade' } };
    writeFileSync(join(dir, 'mapping.json'), JSON.stringify({ columns: { age: 'Age', grade: 'Grade' } }));
    const table = await loadTableSite(write('regression', schema), 'clinic-a');
    const data = tableDataset(table, 'grades@000000000000', siteStatistics(table)) as SiteDataset;
    expect(data.task).toBe('regression');
    expect(Array.from(data.train.y).sort()).toEqual([1, 1, 2, 3, 3]);
    const parsed = parseStudySchema(schema);
    const descriptor = schemaDescriptor(schemaDatasetId('grades', parsed), parsed, 'site');
    expect([descriptor.task, descriptor.outputDim, descriptor.classes]).toEqual(['regression', 1, undefined]);
  });
});
