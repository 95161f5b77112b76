/**
 * The step after the password when the workstation asks more: "Continue with <IdP>" (the site's
 * identity provider, in its own window) or the directory password. Found by role, label and text.
 */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class EnterpriseSignInPage extends BasePage {
  readonly accepted: Locator;
  readonly startOver: Locator;
  readonly directoryPassword: Locator;
  readonly directorySubmit: Locator;

  constructor(page: Page) {
    super(page);
    this.accepted = page.getByRole('status').filter({ hasText: /^Password accepted for / });
    this.startOver = page.getByRole('button', { name: 'Start over', exact: true });
    this.directoryPassword = page.getByLabel('Directory password');
    this.directorySubmit = page.getByRole('button', { name: 'Sign in', exact: true });
  }

  /** The button that opens the identity provider's window. */
  continueWith(idpName: string): Locator {
    return this.page.getByRole('button', { name: `Continue with ${idpName}`, exact: true });
  }

  /** Shown while the identity provider's window is open. */
  waitingFor(idpName: string): Locator {
    return this.page.getByRole('button', { name: `Waiting for ${idpName}…`, exact: true });
  }

  /** The step's heading. */
  confirmWith(idpName: string): Locator {
    return this.page.getByRole('heading', { name: `Confirm with ${idpName}`, exact: true });
  }
}
