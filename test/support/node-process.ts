import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The built node (`npm run build`), run as a child process the way an operator runs it. Tests that
 * need real signals (SIGKILL in the middle of work) use this; the others boot nodes in-process.
 */
export const NODE_MAIN = resolve(__dirname, '..', '..', 'dist', 'apps', 'node', 'src', 'main.js');

/** Throws a plain explanation when the build the process tests run is missing. */
export function requireBuiltNode(): void {
  if (!existsSync(NODE_MAIN)) {
    throw new Error(
      `${NODE_MAIN} is missing: run "npm run build" first; this test runs the built node and never builds it`,
    );
  }
}

/** How a process ended: its exit code, or null with the signal that killed it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface NodeProcess {
  readonly child: ChildProcess;
  /** Where its HTTP API listens. */
  readonly url: string;
  /** Everything the process wrote so far. */
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<ProcessExit>;
}

const started: NodeProcess[] = [];

/**
 * Runs `node main.js` with `env` as its only Regulink configuration: REGULINK_* and DATABASE_URL
 * inherited from the test run are dropped. `env` must set REGULINK_HTTP_PORT.
 */
export function startNodeProcess(env: Record<string, string>): NodeProcess {
  if (!env.REGULINK_HTTP_PORT) throw new Error('startNodeProcess needs REGULINK_HTTP_PORT');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('REGULINK_') && name !== 'DATABASE_URL'),
  );
  const child = spawn(process.execPath, [NODE_MAIN], {
    env: { ...inherited, REGULINK_HTTP_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<ProcessExit>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
    child.once('error', (error) => {
      output.stderr += `spawn failed: ${error.message}\n`;
      resolveExit({ code: null, signal: null });
    });
  });
  const node: NodeProcess = { child, url: `http://127.0.0.1:${env.REGULINK_HTTP_PORT}`, output, exited };
  started.push(node);
  return node;
}

export function hasExited(node: NodeProcess): boolean {
  return node.child.exitCode !== null || node.child.signalCode !== null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveLater) => setTimeout(resolveLater, ms).unref());
}

/** The tail of what a node printed, for failure messages. */
export function transcript(node: NodeProcess): string {
  const tail = (text: string) => (text.length > 6000 ? `…${text.slice(-6000)}` : text);
  return `\n--- node pid ${node.child.pid} stdout ---\n${tail(node.output.stdout)}\n--- stderr ---\n${tail(node.output.stderr)}`;
}

/**
 * Polls GET /health/ready until it answers 200, failing early (with the transcript) when the process
 * dies; returns the body of that answer.
 */
export async function waitReady(node: NodeProcess, within = 60_000): Promise<unknown> {
  const deadline = Date.now() + within;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (hasExited(node)) {
      const { code, signal } = await node.exited;
      throw new Error(
        `the node exited (code ${code}, signal ${signal}) before it was ready${transcript(node)}`,
      );
    }
    try {
      const response = await fetch(`${node.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return await response.json();
      last = `status ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(`the node was not ready within ${within} ms (last: ${last})${transcript(node)}`);
}

/** Waits for the process to exit on its own (no signal sent). */
export async function waitExit(node: NodeProcess, within = 30_000): Promise<ProcessExit> {
  return exitWithin(node, within, `the node was still running after ${within} ms`);
}

/** Sends `signal` unless the process already exited, and waits for the exit. */
export async function stopNodeProcess(
  node: NodeProcess,
  signal: NodeJS.Signals,
  within = 30_000,
): Promise<ProcessExit> {
  if (!hasExited(node)) node.child.kill(signal);
  return exitWithin(node, within, `the node did not exit within ${within} ms of ${signal}`);
}

async function exitWithin(node: NodeProcess, within: number, failure: string): Promise<ProcessExit> {
  const result = await Promise.race([node.exited, sleep(within).then(() => undefined)]);
  if (!result) throw new Error(`${failure}${transcript(node)}`);
  return result;
}

/** SIGKILLs every process started through this module that still runs; for afterEach/afterAll. */
export async function killStartedNodeProcesses(): Promise<void> {
  for (const node of started.splice(0)) {
    if (!hasExited(node)) {
      node.child.kill('SIGKILL');
      await node.exited;
    }
  }
}

/** Adds what the processes printed to a failure, so it explains itself. */
export function withTranscript(error: unknown, ...nodes: NodeProcess[]): unknown {
  if (!(error instanceof Error) || error.message.includes('--- node pid')) return error;
  error.message += nodes.map(transcript).join('\n');
  return error;
}
