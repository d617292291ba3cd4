import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the run uses (set by global-setup). */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  return url;
}

/** A fresh, empty database on the test server; each node under test gets its own. */
export async function createTestDatabase(prefix = 'node'): Promise<string> {
  const server = new URL(testServerUrl());
  const name = `t_${prefix}_${randomBytes(5).toString('hex')}`;
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  server.pathname = `/${name}`;
  return server.toString();
}
