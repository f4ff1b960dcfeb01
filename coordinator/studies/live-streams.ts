import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { EMPTY, Subject, takeUntil, type Observable } from 'rxjs';

/**
 * The open live streams (server-sent events) end when the coordinator stops: an open console must
 * not hold a graceful shutdown, which waits for every HTTP response to finish.
 */
@Injectable()
export class LiveStreams implements OnModuleDestroy {
  private readonly closing = new Subject<void>();
  private closed = false;

  /** The stream, ending when the coordinator stops (at once if it is stopping already). */
  follow<T>(stream: Observable<T>): Observable<T> {
    return this.closed ? EMPTY : stream.pipe(takeUntil(this.closing));
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.closing.next();
    this.closing.complete();
  }
}
