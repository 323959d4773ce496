/**
 * A document built from the master's records by a walk that yields now and then, kept until the
 * records change (/state and GET_STATE at 100,000 tasks).
 *
 * The walk runs in slices of a few milliseconds that let the event loop in, so /health and every other
 * request keep being answered. Its document is used only if the records did not change during the walk
 * (a snapshot of one instant); else the walk is tried again, and the last try does not yield, so records
 * that never rest cannot starve the document. That walk finds everything rendered and in place.
 *
 * Freshness: a request is answered from the kept document only while the records' version is
 * unchanged; otherwise it waits for a build that takes its snapshot after the request arrived
 * (requests that come during a build share it). So the document is never older than the request.
 */
import { performance } from 'node:perf_hooks';

/** How long a slice of a build may hold the event loop. */
const SLICE_MS = 4;
/** Sliced walks tried before one that does not yield. */
const SLICED_ATTEMPTS = 3;

export class SlicedBuild<D extends { version: number }> {
  private document?: D;
  private building?: Promise<D>;

  /** `walk` returns the document of the records at `version()` when it began; `sliceMs` 0 interleaves (tests). */
  constructor(
    private readonly version: () => number,
    private readonly walk: () => Generator<void, D>,
    private readonly sliceMs = SLICE_MS,
  ) {}

  /** The current document: the kept one if nothing changed, else a build's (shared by concurrent callers). */
  get(): Promise<D> {
    if (this.document?.version === this.version()) return Promise.resolve(this.document);
    this.building ??= this.build();
    return this.building;
  }

  private async build(): Promise<D> {
    try {
      let document: D | undefined;
      for (let attempt = 1; !document; attempt++) {
        const walked = await runSliced(this.walk(), this.sliceMs);
        if (walked.version === this.version()) document = walked;
        else if (attempt === SLICED_ATTEMPTS) document = runToEnd(this.walk());
      }
      this.document = document;
      return document;
    } finally {
      this.building = undefined;
    }
  }
}

function runToEnd<T>(walk: Generator<void, T>): T {
  for (;;) {
    const step = walk.next();
    if (step.done) return step.value;
  }
}

/** Runs a walk, letting the event loop in whenever a slice has taken `sliceMs`. */
async function runSliced<T>(walk: Generator<void, T>, sliceMs: number): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const step = walk.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
