/** What every page of the app provides to the shell in main.ts. */
import type { Route } from './router';
import type { Store } from './store';
import type { History } from './chart';

export interface AppContext {
  store: Store;
  /** Allocation over time, sampled since the page opened. */
  history: History;
}

export interface View {
  el: HTMLElement;
  /** Called when the store changed; redraws what depends on it. */
  update(): void;
  dispose?(): void;
}

export type ViewFactory = (ctx: AppContext, route: Route) => View;
