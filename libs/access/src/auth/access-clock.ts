import { Injectable } from '@nestjs/common';

/** Time for the access rules (sign-in throttling, when an account changed), replaceable in tests. */
@Injectable()
export class AccessClock {
  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }
}
