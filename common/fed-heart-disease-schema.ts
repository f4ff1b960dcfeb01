/**
 * Fed-Heart-Disease as a study schema (docs/schema.md): the built-in dataset is read the way a
 * consortium's own CSV files are, through this schema and a mapping of the UCI files onto it
 * (clinic-node/data/fed-heart-disease.ts). Both are plain JSON, as a study and a clinic would write
 * them; docs/schema.md shows them and a test keeps the two copies equal.
 *
 * The features are FLamby's: the UCI columns without slope, ca and thal, in its order, so that
 * schemaFeatureOrder gives the model's 13 inputs: age, sex=male, trestbps, chol, fbs, thalach,
 * exang, oldpeak, cp=2, cp=3, cp=4, restecg=1, restecg=2.
 */
export const FED_HEART_DISEASE_SCHEMA = {
  task: 'binary',
  features: [
    { name: 'age', type: 'number', unit: 'years', range: [0, 120] },
    { name: 'sex', type: 'category', levels: ['female', 'male'] },
    // Resting blood pressure; a few VA records hold 0.
    { name: 'trestbps', type: 'number', unit: 'mm Hg', range: [0, 300] },
    // Serum cholesterol; Switzerland records 0 for every patient and VA for some (not measured), kept as FLamby keeps them.
    { name: 'chol', type: 'number', unit: 'mg/dl', range: [0, 1000] },
    // Fasting blood sugar > 120 mg/dl.
    { name: 'fbs', type: 'boolean' },
    // Maximum heart rate achieved.
    { name: 'thalach', type: 'number', unit: 'beats/min', range: [0, 300] },
    // Exercise-induced angina.
    { name: 'exang', type: 'boolean' },
    // ST depression induced by exercise relative to rest.
    { name: 'oldpeak', type: 'number', unit: 'mm', range: [-10, 10] },
    // Chest pain type: 1 typical angina, 2 atypical angina, 3 non-anginal pain, 4 asymptomatic.
    { name: 'cp', type: 'category', levels: ['1', '2', '3', '4'] },
    // Resting ECG: 0 normal, 1 ST-T wave abnormality, 2 left ventricular hypertrophy.
    { name: 'restecg', type: 'category', levels: ['0', '1', '2'] },
  ],
  // Angiographic disease: num 0 (< 50% diameter narrowing) against 1-4.
  target: { column: 'num', levels: ['absent', 'present'] },
};

/** The 14 columns of UCI's processed.<site>.data files, which have no header row. */
export const UCI_HEART_COLUMNS: readonly string[] = [
  'age',
  'sex',
  'cp',
  'trestbps',
  'chol',
  'fbs',
  'restecg',
  'thalach',
  'exang',
  'oldpeak',
  'slope',
  'ca',
  'thal',
  'num',
];

/**
 * How UCI's files read as the schema: the same column names, their codes (Cleveland writes `1.0`
 * where the others write `1`), and `?` for a missing value. slope, ca and thal are not mapped, so
 * never read (FLamby drops them). The loader adds the records it leaves out (`exclude`).
 */
export const UCI_HEART_MAPPING = {
  columns: Object.fromEntries(['age', 'sex', 'trestbps', 'chol', 'fbs', 'thalach', 'exang', 'oldpeak', 'cp', 'restecg', 'num'].map((c) => [c, c])),
  codes: {
    sex: { '0': 'female', '0.0': 'female', '1': 'male', '1.0': 'male' },
    fbs: { '0.0': false, '1.0': true },
    exang: { '0.0': false, '1.0': true },
    cp: { '1.0': '1', '2.0': '2', '3.0': '3', '4.0': '4' },
    restecg: { '0.0': '0', '1.0': '1', '2.0': '2' },
    num: { '0': 'absent', '1': 'present', '2': 'present', '3': 'present', '4': 'present' },
  },
  missing: ['?'],
};
