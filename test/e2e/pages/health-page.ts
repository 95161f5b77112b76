/** Page object for the Health screen: objectives with their state and budget, a metric's chart, run and issue charts, CSV export, schedules and their form. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class HealthPage extends BasePage {
  readonly heading: Locator;
  readonly objectives: Locator;
  readonly schedules: Locator;
  readonly newSchedule: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Health');
    this.objectives = this.tableNamed('Metrics and their objectives');
    this.schedules = this.tableNamed('Schedules');
    this.newSchedule = page.getByRole('button', { name: 'New schedule…' });
  }

  metricRow(name: string): Locator {
    return this.rowIn(this.objectives, name);
  }

  /** Export CSV… of the card titled `card` ("disk_health over time", "Run outcomes and durations", "Issues over time"). */
  exportCsv(card: string): Locator {
    return this.region(card).getByRole('button', { name: 'Export CSV…' });
  }

  /** The "Saved N rows" line of a card's export. */
  saved(card: string): Locator {
    return this.region(card)
      .getByRole('status')
      .filter({ hasText: /^Saved / });
  }

  scheduleRow(name: string): Locator {
    return this.rowIn(this.schedules, name);
  }

  /** A button of a schedule's row: "Edit NAME", "Pause NAME", "Resume NAME", "Approve NAME". */
  scheduleAction(name: string, verb: 'Edit' | 'Pause' | 'Resume' | 'Approve'): Locator {
    return this.scheduleRow(name).getByRole('button', { name: `${verb} ${name}`, exact: true });
  }

  /** The run form's fields, by label, inside the open dialog. */
  field(label: string | RegExp): Locator {
    return this.dialog.getByLabel(label, { exact: typeof label === 'string' ? true : undefined });
  }

  /** The next runs the core previewed in the form, in words. */
  get preview(): Locator {
    return this.dialog.getByRole('list', { name: 'Next runs' });
  }

  chart(metric: string): Locator {
    return this.page.getByRole('figure', { name: `Chart of ${metric}` });
  }

  /** How many pixels of the chart's canvas are painted (0 when uPlot drew nothing). */
  async paintedPixels(metric: string): Promise<number> {
    return await this.chart(metric)
      .locator('canvas')
      .first()
      .evaluate((canvas: HTMLCanvasElement) => {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
        return painted;
      });
  }
}
