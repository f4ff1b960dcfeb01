import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { ClinicTask } from './clinic-task.js';
import { KeysService } from '../keys/keys.service.js';

/**
 * Live task streams, one or more per connected clinic. A clinic counts as connected while at least
 * one of its WatchTasks streams is open, which is how the coordinator knows whom a round can ask.
 */
@Injectable()
export class TaskHub {
  private readonly streams = new Map<string, Set<Subject<ClinicTask>>>();
  /** When each clinic's task stream last opened or closed (since this process started). */
  private readonly seen = new Map<string, number>();
  /** Fires with the clinic id whenever a clinic connects. */
  readonly connected$ = new Subject<string>();

  constructor(keys: KeysService) {
    // A revoked clinic's open task streams end at once: it hears no more tasks and counts as gone.
    keys.revoked$.subscribe((clinicId) => this.close(clinicId));
  }

  /** A stream of tasks for the clinic; `initial` tasks are delivered first (pending work on reconnect). */
  watch(clinicId: string, initial: () => Promise<ClinicTask[]>): Observable<ClinicTask> {
    return new Observable<ClinicTask>((subscriber) => {
      const subject = new Subject<ClinicTask>();
      const inner = subject.subscribe(subscriber);
      let streams = this.streams.get(clinicId);
      if (!streams) this.streams.set(clinicId, (streams = new Set()));
      streams.add(subject);
      this.seen.set(clinicId, Date.now());
      initial()
        .then((tasks) => {
          tasks.forEach((task) => subject.next(task));
          this.connected$.next(clinicId);
        })
        .catch((error: unknown) => subscriber.error(error));
      return () => {
        inner.unsubscribe();
        streams.delete(subject);
        this.seen.set(clinicId, Date.now());
        if (streams.size === 0) this.streams.delete(clinicId);
      };
    });
  }

  isConnected(clinicId: string): boolean {
    return this.streams.has(clinicId);
  }

  /** When the clinic's task stream last opened or closed (epoch ms), or null if not since this process started. */
  lastSeen(clinicId: string): number | null {
    return this.seen.get(clinicId) ?? null;
  }

  connectedClinics(): string[] {
    return [...this.streams.keys()];
  }

  send(clinicId: string, task: ClinicTask): void {
    this.streams.get(clinicId)?.forEach((subject) => subject.next(task));
  }

  /** Ends a clinic's streams. */
  close(clinicId: string): void {
    this.streams.get(clinicId)?.forEach((subject) => subject.complete());
    this.streams.delete(clinicId);
  }

  /** Ends every stream (shutdown), so clients see a clean end rather than a hang. */
  closeAll(): void {
    for (const streams of this.streams.values()) streams.forEach((subject) => subject.complete());
    this.streams.clear();
  }
}
