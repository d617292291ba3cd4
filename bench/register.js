// Runs the repository's TypeScript sources directly, for `npm run bench` (no build step, no new
// dependency): `.ts` files are compiled in memory with @swc/core (the compiler the tests already
// use, with the same decorator settings), and `@regulink/<lib>` resolves to libs/<lib>/src/index.ts
// as in tsconfig.json `paths`. Usage: node -r ./bench/register.js bench/run.ts
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let swc;
try {
  swc = require('@swc/core');
} catch (error) {
  process.stderr.write(
    `bench: cannot load @swc/core (${error.message}); run \`npm ci\` first: the bench compiles the TypeScript sources with it\n`,
  );
  process.exit(2);
}

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const alias = /^@regulink\/([a-z-]+)$/;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const match = alias.exec(request);
  if (match) {
    const file = path.join(root, 'libs', match[1], 'src', 'index.ts');
    if (fs.existsSync(file)) return file;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

Module._extensions['.ts'] = function (module, filename) {
  if (filename.includes(`${path.sep}node_modules${path.sep}`)) {
    throw new Error(`bench: refusing to compile a .ts file inside node_modules: ${filename}`);
  }
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = swc.transformSync(source, { ...options, filename });
  module._compile(code, filename);
};

process.setSourceMapsEnabled(true);
