import type { Duration } from "effect"

export interface ProcessorOptions {
  /** Fibers taking event ids from the mailbox and leasing them. */
  readonly workers: number
  /** Events a worker leases at once from its mailbox (one statement). */
  readonly claimBatch: number
  /**
   * Events processed at once, whoever leased them. Their writes are grouped (actions and finishes here, the
   * reference host's launches in ExecutionRepo), so many in flight make bigger batches, not more connections;
   * what a target does per event on its own must bound itself (PgPromiseResolver does), so that ingest's
   * commits always find a pooled connection.
   */
  readonly maxInFlight: number
  /** The bodies of the events processed at once, at most, in bytes (an event larger than this runs alone). */
  readonly maxInFlightBytes: number
  readonly mailboxCapacity: number
  /**
   * New events handed over in memory and not yet taken by a worker, at most, by count and by the size of their
   * bodies; beyond that a new event is stored unleased and a sweep takes it (bounds the memory a backlog holds).
   */
  readonly maxLeasedWaiting: number
  readonly maxLeasedWaitingBytes: number
  readonly leaseSeconds: number
  /** A pending event this old is the sweeper's; younger ones are on their way through a mailbox. */
  readonly pendingGraceSeconds: number
  /** Events one sweep leases at most, of each kind (unleased, lease run out, retry due). */
  readonly sweepBatch: number
  readonly sweepIdleMin: Duration.Input
  readonly sweepIdleMax: Duration.Input
  /** The longest one target may take; it bounds how long a shutdown waits for in-flight actions too. */
  readonly actionTimeout: Duration.Input
  /** How long a small batch of action records and finishes waits for more before it is written, and how small. */
  readonly writeLinger: { readonly millis: number; readonly whileFewerThan: number }
}

export const defaultProcessorOptions: ProcessorOptions = {
  workers: 2,
  claimBatch: 16,
  maxInFlight: 128,
  maxInFlightBytes: 16 * 1024 * 1024,
  mailboxCapacity: 10_000,
  maxLeasedWaiting: 1_000,
  maxLeasedWaitingBytes: 8 * 1024 * 1024,
  leaseSeconds: 60,
  pendingGraceSeconds: 5,
  sweepBatch: 50,
  sweepIdleMin: "100 millis",
  sweepIdleMax: "2 seconds",
  actionTimeout: "30 seconds",
  writeLinger: { millis: 5, whileFewerThan: 16 }
}
