/** A list that keeps only the newest `capacity` items, so histories (completed tasks, frameworks) stay flat in memory. */
export class BoundedList<T> {
  private items: T[] = [];
  private start = 0;

  constructor(readonly capacity: number) {}

  get size(): number { return this.items.length }

  /** Adds an item and returns the one it pushed out, if any. */
  push(item: T): T | undefined {
    if (this.capacity <= 0) return item;
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return undefined;
    }
    const evicted = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    return evicted;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.start === 0 ? this.items.slice() : [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
  }
}
