import type { DesktopApi } from '../../../main/desktop-api';

declare global {
  interface Window {
    /** Provided by the preload (desktop) or the test harness (browser); absent anywhere else. */
    readonly api?: DesktopApi;
  }
}

export {};
