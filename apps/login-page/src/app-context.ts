import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { PageApi } from './api.js';
import type { PageConfig } from './interaction-types.js';

export interface AppServices {
  api: PageApi;
  config: PageConfig;
  /**
   * Another page of ours without a reload (`history.pushState`, or `replaceState` with `replace`:
   * for a step the back button must skip, like the callback); `state` rides along in history.
   */
  navigate(path: string, state?: unknown, replace?: boolean): void;
  /**
   * Leaves the page (a platform's authorize page; with `replace`, the client's redirect_uri once
   * the interaction is done — so Back does not return to a finished interaction).
   */
  leave(url: string, replace?: boolean): void;
  userAgent: string;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const app = useContext(AppContext);
  if (!app) throw new Error('useApp outside <AppContext.Provider>');
  return app;
}
