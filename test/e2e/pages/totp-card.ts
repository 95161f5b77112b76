/** "My account" → "Two-step sign-in (TOTP)", and the same enrolment on the screen shown after sign-in when a role requires it. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class TotpEnrolPage extends BasePage {
  readonly card: Locator;
  readonly start: Locator;
  readonly qr: Locator;
  readonly secret: Locator;
  readonly code: Locator;
  readonly confirm: Locator;
  readonly recoveryCodes: Locator;
  readonly saved: Locator;
  readonly done: Locator;
  /** The screen after sign-in that allows nothing but enrolling. */
  readonly requiredHeading: Locator;

  constructor(page: Page) {
    super(page);
    this.card = this.region('Two-step sign-in (TOTP)');
    this.start = page.getByRole('button', { name: /^(Set up an authenticator app|Enrol a new device)$/ });
    this.qr = page.getByRole('img', { name: 'QR code of the new TOTP secret for your authenticator app' });
    this.secret = page.getByLabel('Secret (shown only now)');
    this.code = page.getByLabel('Code from the app');
    this.confirm = page.getByRole('button', { name: 'Confirm', exact: true });
    this.recoveryCodes = page.getByLabel('Recovery codes', { exact: true });
    this.saved = page.getByLabel('I have saved the recovery codes');
    this.done = page.getByRole('button', { name: 'Done', exact: true });
    this.requiredHeading = this.title('Set up two-step sign-in');
  }

  /** The secret as shown (grouped by four), without the spaces. */
  async secretText(): Promise<string> {
    return (await this.secret.innerText()).replace(/\s/g, '');
  }

  async codes(): Promise<string[]> {
    return (await this.recoveryCodes.innerText()).split(/\s+/).filter(Boolean);
  }
}
