import { connect, type Socket } from 'node:net';
import type { TestNode } from './test-node';

/**
 * A bare TCP connection to a node's federation listener, as anyone who reaches the port can open
 * one: from `localAddress` (another loopback address than the nodes' own 127.0.0.1, say) if given.
 */
export async function rawConnection(node: Pick<TestNode, 'config'>, localAddress?: string): Promise<Socket> {
  const socket = connect({
    port: node.config.federation.port,
    host: node.config.federation.host,
    ...(localAddress ? { localAddress } : {}),
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Whether a connection is closed by the other end within `ms`. */
export function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
