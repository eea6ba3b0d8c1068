import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { PageApi } from './api.js';
import type { PageConfig } from './interaction-types.js';

export interface AppServices {
  api: PageApi;
  config: PageConfig;
  /** Another page of ours without a reload (`history.pushState`); `state` rides along in history. */
  navigate(path: string, state?: unknown): void;
  /** Leaves the page (the client's redirect_uri, a platform's authorize page). */
  leave(url: string): void;
  userAgent: string;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const app = useContext(AppContext);
  if (!app) throw new Error('useApp outside <AppContext.Provider>');
  return app;
}
