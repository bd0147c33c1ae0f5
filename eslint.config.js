// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'stream', 'url', 'util', 'events', 'zlib', 'net', 'http', 'https'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'bench/.data/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.js'] }, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Command actions and visitors share an async signature whether or not they await.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-syntax': ['error', { selector: "ExportDefaultDeclaration", message: 'Use named exports.' }],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...nodeBuiltins, 'electron', 'react', 'react-dom'], message: 'src-shared is pure TypeScript: no node, electron or DOM.' }] }],
    },
  },
  {
    files: ['src-main/engine/**/*.ts', 'src-main/cli/**/*.ts', 'src-main/ipc/**/*.ts'],
    ignores: ['src-main/ipc/bind-electron.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The engine, CLI and IPC handlers run under plain Node: no electron.' }] }],
    },
  },
  {
    files: ['src-main/desktop/**/*.ts', 'src-main/main.ts', 'src-main/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain'], message: 'Only src-main/ipc/bind-electron.ts touches ipcMain.' }] }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...nodeBuiltins, 'electron', '**/src-main/**'], message: 'The renderer reaches the main process only through window.lifeboat.' }] }],
    },
  },
  {
    files: ['src-main/engine/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      // Async only in main: synchronous fs calls block the event loop (and IPC) during long jobs.
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        { selector: "CallExpression[callee.name=/^(readFileSync|writeFileSync|statSync|readdirSync|copyFileSync|existsSync)$/]", message: 'Use the async fs API in the engine.' },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test-support/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off', '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['*.config.ts', 'eslint.config.js', 'test-support/build-once.ts', 'e2e/playwright.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
