import { Injectable } from '@nestjs/common';

/** Time, behind an injectable so time-dependent rules can be tested without sleeping. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}
