/** Page object for the Health screen: objectives with their state and budget, a metric's chart, CSV export, schedules. */
import type { Locator, Page } from 'playwright-core';
import { BasePage } from './base-page';

export class HealthPage extends BasePage {
  readonly heading: Locator;
  readonly objectives: Locator;
  readonly schedules: Locator;
  readonly exportCsv: Locator;
  readonly range: Locator;

  constructor(page: Page) {
    super(page);
    this.heading = this.title('Health');
    this.objectives = this.tableNamed('Metrics and their objectives');
    this.schedules = this.tableNamed('Schedules');
    this.exportCsv = page.getByRole('button', { name: 'Export CSV…' });
    this.range = page.getByLabel('Time range');
  }

  metricRow(name: string): Locator {
    return this.rowIn(this.objectives, name);
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
