import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DATASETS } from './datasets.js';
import { FED_HEART_DISEASE_SCHEMA, UCI_HEART_COLUMNS, UCI_HEART_MAPPING } from './fed-heart-disease-schema.js';
import { parseMapping, parseStudySchema, schemaFeatureOrder } from './schema/index.js';

/** The JSON blocks of docs/schema.md's section on the built-in dataset, in order. */
function documentedJson(): unknown[] {
  const doc = readFileSync(new URL('../docs/schema.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## A built-in dataset in this form: Fed-Heart-Disease'));
  return [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
}

describe('Fed-Heart-Disease as a study schema', () => {
  it("encodes FLamby's 13 features in its order, the dataset's model inputs", () => {
    const schema = parseStudySchema(FED_HEART_DISEASE_SCHEMA);
    const order = ['age', 'sex=male', 'trestbps', 'chol', 'fbs', 'thalach', 'exang', 'oldpeak', 'cp=2', 'cp=3', 'cp=4', 'restecg=1', 'restecg=2'];
    expect(schemaFeatureOrder(schema)).toEqual(order);
    expect(DATASETS['fed-heart-disease']!.features).toEqual(order);
    expect(DATASETS['fed-heart-disease']!.inputDim).toBe(order.length);
  });

  it('maps every column it reads onto a column of the UCI files, and never slope, ca or thal', () => {
    const mapping = parseMapping(UCI_HEART_MAPPING, parseStudySchema(FED_HEART_DISEASE_SCHEMA));
    expect([...mapping.columns.values()].every((c) => UCI_HEART_COLUMNS.includes(c))).toBe(true);
    for (const dropped of ['slope', 'ca', 'thal']) expect([...mapping.columns.values()]).not.toContain(dropped);
    expect(UCI_HEART_COLUMNS).toHaveLength(14);
    expect(mapping.exclude).toEqual([]);
  });

  it('is shown in docs/schema.md exactly as it is', () => {
    expect(documentedJson()).toEqual([FED_HEART_DISEASE_SCHEMA, UCI_HEART_MAPPING]);
  });
});
