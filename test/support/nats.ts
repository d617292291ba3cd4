import { existsSync } from 'node:fs';

export const NATS_MISSING =
  'the NATS variant of the federation tests did not run: nats-server is not installed (Debian package nats-server; .ci/run installs it)';

export function natsServerBinary(): string | undefined {
  return ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) =>
    existsSync(p),
  );
}
