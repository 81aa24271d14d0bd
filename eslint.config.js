// ESLint flat config (eslint 9 + typescript-eslint). Non type-aware on purpose: `npm run lint` stays
// fast, and `tsc --noEmit` already does the type checking. Formatting is prettier's business, so
// eslint-config-prettier (last) switches off every rule that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// A statement made of a comma sequence whose every part has an effect — `if (p) (a.push(x), b.push(y));`,
// `for (…) (num += …), (den += …);` — is an idiom of the numeric kernels. typescript-eslint's
// no-unused-expressions flags every sequence statement; this wrapper lets those through and still
// reports any sequence with a part that does nothing (`(a.push(x), b.length);`) and every other
// unused expression, exactly as the original rule does.
const baseNoUnusedExpressions = tseslint.plugin.rules['no-unused-expressions'];
const hasEffect = (n) => {
  switch (n.type) {
    case 'CallExpression':
    case 'NewExpression':
    case 'AssignmentExpression':
    case 'UpdateExpression':
    case 'AwaitExpression':
    case 'YieldExpression':
    case 'ImportExpression':
      return true;
    case 'UnaryExpression':
      return n.operator === 'delete' || n.operator === 'void';
    case 'ChainExpression':
    case 'TSNonNullExpression':
    case 'TSAsExpression':
      return hasEffect(n.expression);
    case 'SequenceExpression':
      return n.expressions.every(hasEffect);
    case 'LogicalExpression':
      return hasEffect(n.right);
    case 'ConditionalExpression':
      return hasEffect(n.consequent) && hasEffect(n.alternate);
    default:
      return false;
  }
};
const local = {
  rules: {
    'no-unused-expressions': {
      meta: baseNoUnusedExpressions.meta,
      defaultOptions: baseNoUnusedExpressions.defaultOptions,
      create(context) {
        const filtered = Object.create(context, {
          report: {
            value: (d) => {
              const e = d.node?.type === 'ExpressionStatement' ? d.node.expression : undefined;
              if (e?.type === 'SequenceExpression' && hasEffect(e)) return;
              context.report(d);
            },
          },
        });
        return baseNoUnusedExpressions.create(filtered);
      },
    },
  },
};

export default tseslint.config(
  {
    // AssemblyScript (src/numeric/wasm/*.as.ts) is compiled by asc, not tsc: its i32/f64/v128 types
    // and builtins are not TypeScript's, so it is left out, as tsconfig.json leaves it out.
    ignores: ['dist/**', 'reports/**', 'node_modules/**', '.cache/**', 'claims/**', 'docs/**', 'src/**/*.as.ts'],
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{js,mjs,cjs,ts}', 'bin/**/*.{js,mjs,cjs,ts}', '*.{js,mjs,cjs,ts}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    plugins: { local },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are discarded on purpose (destructuring a field away, an unused parameter
      // that keeps a signature); a rest sibling is how an object is copied without some keys.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Comma-sequence statements of effects (see `local` above) and `cond && f()` / `c ? f() : g()`
      // statements are idioms of the numeric kernels; a bare unused value is still an error.
      '@typescript-eslint/no-unused-expressions': 'off',
      'local/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true, allowTaggedTemplates: true }],
    },
  },
  {
    // CommonJS config files (.dependency-cruiser.cjs)
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  prettier,
);
