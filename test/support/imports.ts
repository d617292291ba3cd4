import type { TestNode } from './test-node';

/** The report of a bulk import, as `POST /registry/imports/<kind>` answers it. */
export interface ImportReportBody {
  id: string;
  state: string;
  lastLine: number;
  accepted: number;
  updated: number;
  unchanged: number;
  older: number;
  rejected: number;
  error: string | null;
  rejections: { line: number; field: string | null; reason: string }[];
  rejectionGroups: { field: string | null; reason: string; lines: number; firstLine: number }[];
  /** Set when the import is refused as a whole. */
  code?: string;
  message?: string;
}

/** Uploads a whole file to a node's import route in one request, as a provincial system would. */
export async function uploadImport(
  node: Pick<TestNode, 'url'>,
  kind: 'entities' | 'shops',
  body: string | Uint8Array,
  options: { token: string; contentType?: string; query?: string },
): Promise<{ status: number; json: ImportReportBody }> {
  const response = await fetch(`${node.url}/registry/imports/${kind}${options.query ?? ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': options.contentType ?? 'text/csv' },
    body,
  });
  return { status: response.status, json: (await response.json()) as ImportReportBody };
}
