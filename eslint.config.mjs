// ESLint with typescript-eslint's recommended rules (https://typescript-eslint.io/getting-started)
// and React's hook rules for the add-in, run by `npm run lint` and in .ci/run. Formatting is
// Prettier's (`npm run format:check`), not ESLint's; unused exports and files are knip's (`npm run knip`).
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'addin/dist/', 'data/', 'test-artifacts/', '.tmp/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_` marks a value left unused on purpose (a tuple's first element, a handler's context).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['addin/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, Office: 'readonly', Excel: 'readonly' } },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    // Frozen migrations take Kysely<any>: they must not depend on today's schema types (Kysely's
    // migration docs do the same).
    files: ['server/db/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests (and the demo loader, which drives the API as a client) read loosely typed JSON answers; `any` there is the shape under test, checked by expect.
    files: ['test/**', '**/*.test.ts', '**/*.test.tsx', 'bench/**', 'addin/testing/**', 'server/demo/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
