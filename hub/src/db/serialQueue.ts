/**
 * Runs async tasks one at a time, in call order. A task that throws rejects only its own promise;
 * the queue goes on with the next. Used wherever a read-check-write must not interleave with another.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(() => task());
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
