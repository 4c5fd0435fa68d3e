import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Operation types for the web app, generated from the composed supergraph (`npm run codegen -w web`).
 * Every query, mutation and subscription is written with `graphql()` from `src/generated`, so its
 * result and variables are typed from the schema: no hand-written response types.
 */
const config: CodegenConfig = {
  schema: '../schema/supergraph.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/generated/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { enumsAsTypes: true, useTypeImports: true, skipTypename: true },
    },
  },
};

export default config;
