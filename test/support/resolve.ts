/** One region's part of an officer's lookup, as `POST /resolve` answers it (what the tests read of it). */
export interface RegionAnswer {
  region: string;
  status: string;
  code: string | null;
  reason: string | null;
  provenance: { signedBy: string; agreement: string | null; digest: string | null; verified: boolean } | null;
  entities: Record<string, unknown>[];
  more: boolean;
  shops: (Record<string, unknown> & {
    provenance: Record<string, unknown>;
    landing: (Record<string, unknown> & { provenance: Record<string, unknown> }) | null;
  })[];
}

/** An officer's lookup as `POST /resolve` answers it, or its refusal's `code` and `message`. */
export interface ResolveResult {
  request: string;
  answers: RegionAnswer[];
  missing: string[];
  warnings: string[];
  code?: string;
  message?: string;
}
