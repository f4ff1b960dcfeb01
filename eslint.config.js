// ESLint: typescript-eslint's recommended rules, without type information (a type-aware run costs a
// full program build per lint; `npm run typecheck` already does that work). Prettier owns layout.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'protos/generated/', 'node_modules/', 'coverage/', 'reports/', '.stryker-tmp*/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_name` says "deliberately unused" (a callback's position, a destructured field dropped on purpose).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A `let` a closure reads before its one assignment (a late-bound gate) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-console': 'off',
    },
  },
  {
    // Tests read the coordinator's JSON answers, untyped on the wire; the assertions check their shape.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
);
