import { describe, expect, it } from '@jest/globals';
import { DATASETS } from './datasets.js';

describe('the dataset catalogue', () => {
  it.each(Object.keys(DATASETS))('%s names one feature per model input and says how it prepares them', (name) => {
    const descriptor = DATASETS[name]!;
    expect(descriptor.name).toBe(name);
    expect(descriptor.features).toHaveLength(descriptor.inputDim);
    expect(new Set(descriptor.features).size).toBe(descriptor.inputDim);
    expect(descriptor.preprocessing.length).toBeGreaterThan(20);
    expect(new Set(descriptor.sites).size).toBe(descriptor.sites.length);
  });
});
